package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OPA's official TypeScript client, {@code @open-policy-agent/opa} (version pinned in
 * src/test/node/package.json), asks the decision point's REST API for allowed, denied, undefined
 * and failing decisions, and for decisions with explanations ({@code explain=notes}, {@code fails},
 * with {@code pretty}) through the package's low-level client. Needs {@code node} and {@code npm}
 * on the PATH; {@code npm ci} runs once when node_modules is missing.
 */
class OpaClientCompatibilityTest {

  static final Path NODE_DIR = Path.of("src", "test", "node").toAbsolutePath();

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;

  @BeforeAll
  static void start() {
    pdp = new ExtAuthzFixture(tmp, List.of(), Mode.ENFORCE);
  }

  @AfterAll
  static void stop() {
    pdp.close();
  }

  static List<String> run(String... command) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(command).directory(NODE_DIR.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    boolean done = p.waitFor(300, TimeUnit.SECONDS);
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(done).as("%s finished", String.join(" ", command)).isTrue();
    assertThat(p.exitValue()).as("%s failed:%n%s", String.join(" ", command), text).isZero();
    return new ArrayList<>(text.lines().toList());
  }

  @Test
  void opaClient_evaluate_seesOpaAnswers() throws Exception {
    if (!Files.isDirectory(NODE_DIR.resolve("node_modules/@open-policy-agent/opa"))) {
      run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error");
    }

    List<String> lines = run("node", "opa-client-check.mjs", pdp.base());

    assertThat(lines)
        .containsExactly(
            "{\"case\":\"allowed\",\"result\":true}",
            "{\"case\":\"denied\",\"result\":false}",
            "{\"case\":\"undefined\",\"undefined\":true}",
            "{\"case\":\"object\",\"result\":{\"allow\":true,\"headers\":{\"X-Role\":\"sre\","
                + "\"bad header\":\"x\",\"host\":\"evil.example\",\"x-multi\":\"a\\nb\","
                + "\"x-number\":7,\"x-user\":\"alice\"}}}",
            "{\"case\":\"non-boolean\",\"result\":\"true\"}",
            "{\"case\":\"conflict\",\"error\":\"ServerError\",\"code\":\"internal_error\"}",
            "{\"case\":\"no-input\",\"undefined\":true}",
            "{\"case\":\"mapped\",\"result\":true}",
            "{\"case\":\"array-rule\",\"result\":\"sre\"}",
            "{\"case\":\"array-rule-post\",\"result\":\"admin\"}",
            "{\"case\":\"array-data\",\"result\":\"red\"}",
            "{\"case\":\"out-of-range\",\"undefined\":true}",
            "{\"case\":\"negative\",\"undefined\":true}",
            "{\"case\":\"quote\",\"error\":\"ClientError\",\"code\":\"invalid_parameter\"}",
            // explain=notes: the trace() note of the rule at authz.rego:21, with the query and the
            // rule it was made in, as OPA's explanation gives them.
            "{\"case\":\"explain-notes\",\"result\":true,\"ops\":[\"enter\",\"enter\",\"note\"],"
                + "\"notes\":[\"method GET\"],\"noteAt\":[\"authz.rego:23:3\"],"
                + "\"ruleAt\":\"authz.rego:21:1\",\"noteInRule\":true}",
            // explain=fails: the method check that failed for a POST.
            "{\"case\":\"explain-fails\",\"undefined\":true,\"failedAt\":[\"authz.rego:24:3\"],"
                + "\"types\":[\"body\",\"expr\",\"rule\"]}",
            // pretty: lines of text (runs of spaces squeezed by the script).
            "{\"case\":\"explain-pretty\",\"result\":true,\"lines\":["
                + "\"query:1 Enter data.authz.allow\",\"authz.rego:21 | Enter data.authz.allow\","
                + "\"authz.rego:23 | | Note \\\"method GET\\\"\"]}");
  }
}
