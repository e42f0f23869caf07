package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EvalCommandTest {

  /** The v0 policy of the Rego engine issue, exactly as written there. */
  private static final String AUTHZ =
      """
      package authz
      default allow = false
      allow {
      input.user.role == "sre"
      input.resource.environment == "production"
      input.action == "read"
      }
      """;

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    Path p = dir.resolve(name);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
    return p;
  }

  private CliRun evalAuthz(String role, String environment, String action) throws IOException {
    Path policy = write("authz.rego", AUTHZ);
    Path input =
        write(
            "input.json",
            """
            {"user":{"role":"%s"},"resource":{"environment":"%s"},"action":"%s"}
            """
                .formatted(role, environment, action));
    return CliRun.of(
        "eval",
        "--v0-compatible",
        "-d",
        policy.toString(),
        "-i",
        input.toString(),
        "--format",
        "raw",
        "data.authz.allow");
  }

  @Test
  void eval_sreReadsProduction_printsTrue() throws IOException {
    CliRun run = evalAuthz("sre", "production", "read");

    assertThat(run.err()).isEmpty();
    assertThat(run.status()).isZero();
    assertThat(run.out().strip()).isEqualTo("true");
  }

  @ParameterizedTest
  @CsvSource({
    "dev, production, read",
    "sre, staging, read",
    "sre, production, write",
    "SRE, production, read",
    "'', production, read"
  })
  void eval_anyConditionDiffers_printsFalse(String role, String env, String action)
      throws IOException {
    CliRun run = evalAuthz(role, env, action);

    assertThat(run.status()).isZero();
    assertThat(run.out().strip()).isEqualTo("false");
  }

  @Test
  void eval_jsonFormat_printsExpressionsAndBindings() throws IOException {
    Path policy = write("p.rego", "package p\nxs := [1, 2]\n");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "x := data.p.xs[i]");

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("\"result\"").contains("\"expressions\"");
    assertThat(run.out()).contains("\"bindings\"").contains("\"i\": 1").contains("\"x\": 2");
    assertThat(run.out()).contains("\"text\": \"x := data.p.xs[i]\"");
  }

  @Test
  void eval_undefinedJson_printsEmptyObject() throws IOException {
    Path policy = write("p.rego", "package p\n");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "data.p.missing");

    assertThat(run.status()).isZero();
    assertThat(run.out().strip()).isEqualTo("{}");
  }

  @Test
  void eval_undefinedRaw_printsNothing() throws IOException {
    Path policy = write("p.rego", "package p\n");

    CliRun run = CliRun.of("eval", "--format", "raw", "-d", policy.toString(), "data.p.missing");

    assertThat(run.status()).isZero();
    assertThat(run.out()).isEmpty();
  }

  @Test
  void eval_dataFileInFolder_landsAtFolderPath() throws IOException {
    write("bundle/users/data.json", "{\"alice\": {\"role\": \"sre\"}}");

    CliRun run =
        CliRun.of(
            "eval", "--format", "raw", "-d", dir.resolve("bundle").toString(), "data.users.alice");

    assertThat(run.status()).isZero();
    assertThat(run.out().strip()).isEqualTo("{\"role\":\"sre\"}");
  }

  @Test
  void eval_syntaxError_printsFileLineColumnCodeAndFails() throws IOException {
    Path policy = write("bad.rego", "package p\n\nallow if {\n  input.x ==\n}\n");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "data.p.allow");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).containsPattern("bad\\.rego:\\d+:\\d+: rego_parse_error: ");
    assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void eval_invalidJsonInput_namesFileAndPlace() throws IOException {
    Path policy = write("p.rego", "package p\nallow := true\n");
    Path input = write("input.json", "{\"user\": \n  [1, 2,, 3]}");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "-i", input.toString(), "data.p.allow");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("input.json:2:").contains("invalid JSON");
    assertThat(run.err()).doesNotContain("\tat ");
  }

  @Test
  void eval_missingPolicyFile_namesIt() {
    CliRun run = CliRun.of("eval", "-d", dir.resolve("nope.rego").toString(), "data.p");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("nope.rego");
    assertThat(run.err()).doesNotContain("\tat ");
  }

  @Test
  void eval_conflict_printsEvalConflictErrorWithLocation() throws IOException {
    Path policy = write("c.rego", "package c\nx := 1\nx := 2 if true\n");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "data.c.x");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("eval_conflict_error");
  }

  @Test
  void eval_unknownFormat_isAUsageError() {
    CliRun run = CliRun.of("eval", "--format", "yaml", "true");

    assertThat(run.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(run.err()).contains("--format must be json or raw");
  }

  private static final String TRACED =
      """
      package authz
      allow if {
        trace("checking role")
        input.user.role == "sre"
      }
      """;

  private CliRun evalTraced(String explain, String format, String role) throws IOException {
    Path policy = write("traced.rego", TRACED);
    Path input = write("in.json", "{\"user\": {\"role\": \"%s\"}}".formatted(role));
    return CliRun.of(
        "eval",
        "-d",
        policy.toString(),
        "-i",
        input.toString(),
        "--format",
        format,
        "--explain",
        explain,
        "data.authz.allow");
  }

  @Test
  void eval_explainNotesJson_addsTheTraceEventsOfTheNote() throws IOException {
    CliRun run = evalTraced("notes", "json", "sre");

    assertThat(run.status()).as(run.err()).isZero();
    var out = (dev.vigil.rego.value.ObjectValue) dev.vigil.rego.value.Json.parse(run.out());
    var events = (dev.vigil.rego.value.ArrayValue) out.get("explanation");
    assertThat(
            events.elements().stream()
                .map(e -> ((dev.vigil.rego.value.ObjectValue) e).get("op").toString()))
        .containsExactly("\"enter\"", "\"enter\"", "\"note\"");
    assertThat(events.get(2).toJson())
        .contains("\"message\":\"checking role\"")
        .contains(
            "\"location\":{\"col\":3,\"file\":\"" + dir.resolve("traced.rego") + "\",\"row\":3}");
    assertThat(out.get("result").toJson()).contains("\"value\":true");
  }

  @Test
  void eval_explainFailsRaw_printsTheTraceAsText() throws IOException {
    CliRun run = evalTraced("fails", "raw", "dev");

    // Undefined: no result line, only the trace.
    assertThat(run.status()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.get(0)).matches("query:1 +Enter data\\.authz\\.allow");
    // The rule's condition fails, then the query's expression, which the rule left undefined.
    assertThat(lines.get(lines.size() - 1)).matches("query:1 +\\| Fail data\\.authz\\.allow");
    assertThat(lines)
        .anyMatch(l -> l.matches(".*traced\\.rego:4 +\\| \\| Fail input\\.user\\.role == \"sre\""));
  }

  @Test
  void eval_explainUnknownMode_isAUsageErrorNamingIt() throws IOException {
    CliRun run = evalTraced("everything", "json", "sre");

    assertThat(run.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(run.err())
        .contains("--explain must be off, notes, fails, full or debug, not \"everything\"");
    assertThat(run.out()).isEmpty();
  }
}
