package dev.vigil.rego.conformance;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a conformance file with a YAML syntax error was reported by the first line of the
 * parser's message, its context ("while parsing a block mapping"), without the problem or where.
 */
class CaseReaderTest {

  @TempDir Path dir;

  @Test
  void read_yamlSyntaxError_oneLineWithLineColumnAndProblem() throws Exception {
    Path file = Files.writeString(dir.resolve("cases.yaml"), "cases:\n  - note: a\n bad: [\n");

    assertThatThrownBy(() -> CaseReader.read(file, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(file + ":3:2: not valid YAML: expected <block end>")
        .hasMessageNotContaining("\n")
        .hasMessageNotContaining("while parsing");
  }
}
