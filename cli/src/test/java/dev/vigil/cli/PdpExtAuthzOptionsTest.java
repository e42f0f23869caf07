package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The external-authorization options of {@code vigil pdp}: bad values stop it before it starts. */
class PdpExtAuthzOptionsTest {

  @TempDir Path tmp;

  @Test
  void pdp_trustedProxyNotACidr_exitsWithUsageNamingIt() {
    CliRun r = CliRun.of("pdp", "--data-dir", tmp.toString(), "--trusted-proxy", "proxy.local");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil pdp: trusted proxy \"proxy.local\" is not an IP address or CIDR block");
  }

  @Test
  void pdp_grpcAddrWithoutPort_exitsWithUsageNamingIt() {
    CliRun r = CliRun.of("pdp", "--data-dir", tmp.toString(), "--grpc-addr", "localhost");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("vigil pdp: --grpc-addr \"localhost\" must be HOST:PORT");
  }

  @Test
  void pdp_authzPathNotARegoName_exitsWithUsage() {
    CliRun r = CliRun.of("pdp", "--data-dir", tmp.toString(), "--authz-path", "data.authz.a-b");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("policy path \"data.authz.a-b\"");
  }

  @Test
  void pdp_help_listsTheAuthorizationOptions() {
    CliRun r = CliRun.of("pdp", "--help");

    assertThat(r.out())
        .contains("--grpc-addr")
        .contains("--trusted-proxy")
        .contains("--authz-path");
  }
}
