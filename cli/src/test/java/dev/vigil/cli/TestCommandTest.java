package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestCommandTest {

  @TempDir Path dir;

  @Test
  void test_exampleSuite_allPass() {
    CliRun run = CliRun.of("test", "--v0-compatible", Path.of("../examples/authz").toString());

    assertThat(run.out()).endsWith("4 passed, 0 failed" + System.lineSeparator());
    assertThat(run.status()).isZero();
  }

  @Test
  void test_failingAndTodoTests_reportedWithLocationAndCounts() throws IOException {
    Files.writeString(
        dir.resolve("p_test.rego"),
        """
        package p

        test_ok if true

        test_wrong if 1 == 2

        todo_test_later if false
        """);

    CliRun run = CliRun.of("test", dir.toString());

    assertThat(run.status()).isEqualTo(1);
    assertThat(run.out()).contains("p_test.rego:5: data.p.test_wrong: FAIL");
    assertThat(run.out()).contains("1 passed, 1 failed, 1 skipped");
  }

  @Test
  void test_runFilter_selectsByName() throws IOException {
    Files.writeString(dir.resolve("p_test.rego"), "package p\ntest_a if true\ntest_b if false\n");

    CliRun run = CliRun.of("test", "--run", "test_a$", dir.toString());

    assertThat(run.status()).isZero();
    assertThat(run.out()).contains("1 passed, 0 failed");
  }
}
