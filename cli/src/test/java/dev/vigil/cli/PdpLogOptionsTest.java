package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decision-log options of {@code vigil pdp}: bad values stop it before it touches a store. */
class PdpLogOptionsTest {

  @TempDir Path tmp;

  @Test
  void pdp_logRetainTooShort_exitsWithUsageNamingIt() {
    Path data = tmp.resolve("data");
    CliRun r = CliRun.of("pdp", "--data-dir", data.toString(), "--log-retain", "30m");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil pdp: --log-retain \"30m\" is too short to keep decisions: at least 1h");
    assertThat(Files.exists(data)).isFalse();
  }

  /**
   * Regression: a default decision the decision point cannot read was taken, and every {@code POST
   * /} then failed with 500 and a stack trace.
   */
  @Test
  void pdp_defaultDecisionNotAPolicyPath_exitsWithUsageNamingIt() {
    Path data = tmp.resolve("data");
    CliRun r = CliRun.of("pdp", "--data-dir", data.toString(), "--default-decision", "data.a-b.c");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("vigil pdp: --default-decision: policy path \"data.a-b.c\"");
    assertThat(Files.exists(data)).isFalse();
  }

  /** A file that holds no usable key was taken, and every bundle refused as badly signed. */
  @Test
  void pdp_verificationKeyThatIsNoKey_exitsWithUsageNamingIt() throws Exception {
    Path data = tmp.resolve("data");
    Path notAKey = tmp.resolve("secret.txt");
    Files.writeString(notAKey, "JBSWY3DPEHPK3PXP\n");
    CliRun r =
        CliRun.of(
            "pdp",
            "--data-dir",
            data.toString(),
            "--verification-key",
            notAKey.toString(),
            "--verification-alg",
            "ES256");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil pdp: --verification-key " + notAKey + ": key is not PEM text");
    assertThat(Files.exists(data)).isFalse();
  }

  @Test
  void pdp_logRetainNotADuration_exitsWithUsageNamingIt() {
    CliRun r = CliRun.of("pdp", "--data-dir", tmp.toString(), "--log-retain", "a month");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("vigil pdp: --log-retain \"a month\" is not a duration");
  }

  @Test
  void pdp_help_listsTheLogOptions() {
    assertThat(CliRun.of("pdp", "--help").out())
        .contains("--log-retain")
        .contains("--log-overflow");
  }
}
