package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Regression: an input file nested too deep was refused without saying where (line 0). */
class EvalInputJsonDepthTest {

  @TempDir Path dir;

  @Test
  void eval_inputTenThousandDeep_namesFileLineAndColumnOfTheLimit() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.rego"), "package p\nimport rego.v1\nx := 1\n");
    // The object is level 1, so the 1000th bracket (column 8 + 1000 of line 2) is level 1001.
    Path input =
        Files.writeString(
            dir.resolve("deep.json"),
            "{\n\"input\":" + "[".repeat(10_000) + "]".repeat(10_000) + "}\n");

    CliRun run = CliRun.of("eval", "-d", policy.toString(), "-i", input.toString(), "data.p.x");

    assertThat(run.status()).isNotZero();
    assertThat(run.err())
        .contains(input + ":2:1008: invalid JSON: JSON nesting depth")
        .contains("1000")
        .doesNotContain("at dev.");
  }
}
