package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
