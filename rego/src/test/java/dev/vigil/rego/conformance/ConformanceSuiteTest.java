package dev.vigil.rego.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs OPA's Rego conformance cases from the shared folder and holds the pass rate at or above the
 * floor the project promises. The full report of each run is written under target/ and the
 * remaining failures are listed with their reasons in docs/rego-compatibility.md.
 */
class ConformanceSuiteTest {

  /** The share of cases that must pass, in each syntax. */
  private static final double FLOOR = 0.97;

  @Test
  void v1Cases_passAtLeastTheFloor() throws IOException {
    assertPassRate("v1");
  }

  @Test
  void v0Cases_passAtLeastTheFloor() throws IOException {
    assertPassRate("v0");
  }

  private static void assertPassRate(String syntax) throws IOException {
    Path dir = SharedData.dir().resolve("conformance/rego").resolve(syntax);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    ConformanceRunner.Summary summary;
    try (PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
      summary = new ConformanceRunner(false).run(List.of(dir), out);
    }
    String report = buf.toString(StandardCharsets.UTF_8);
    Path target = Path.of("target", "conformance-" + syntax + ".txt");
    Files.createDirectories(target.getParent());
    Files.writeString(target, report);
    System.out.printf(
        "conformance %s: %d passed, %d failed (%.2f%%), report in %s%n",
        syntax,
        summary.passed(),
        summary.failed(),
        summary.passRate() * 100,
        target.toAbsolutePath());
    assertThat(summary.outcomes())
        .as("conformance cases found under " + dir)
        .hasSizeGreaterThan(1000);
    assertThat(summary.passRate())
        .as("share of %s conformance cases passing; see %s", syntax, target.toAbsolutePath())
        .isGreaterThanOrEqualTo(FLOOR);
  }
}
