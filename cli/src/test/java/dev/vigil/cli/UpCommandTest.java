package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad configuration stops `vigil up` with a message naming what is wrong. */
class UpCommandTest {

  @TempDir Path tmp;

  private CliRun up(String yaml) throws Exception {
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(cfg, yaml);
    return CliRun.of(
        "up", "--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString());
  }

  @Test
  void unknownKey_namesFileLineAndKey() throws Exception {
    CliRun r = up("control_plane:\n  adress: 127.0.0.1:8181\n");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("vigil.yaml:2: control_plane.adress: unknown key");
  }

  @Test
  void wrongType_namesTheKey() throws Exception {
    CliRun r = up("routes: just-a-string\n");

    assertThat(r.err()).contains("vigil.yaml:1: routes: expected a list");
  }

  @Test
  void badModeAndMissingUpstream_named() throws Exception {
    assertThat(
            up("routes:\n  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n"
                    + "    mode: fast\n")
                .err())
        .contains(
            "vigil.yaml:5: routes[0].mode: mode \"fast\" is not one of observe, monitor,"
                + " enforce");
    assertThat(up("routes:\n  - name: a\n    policy: p/allow\n").err())
        .contains("routes[0]: missing required key \"upstream\"");
  }

  @Test
  void badUpstreamSpiffeId_namesLineAndValue() throws Exception {
    CliRun r =
        up(
            "routes:\n  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n"
                + "    upstream_spiffe_id: spiffe://Prod/orders\n");

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("vigil.yaml:5: routes[0].upstream_spiffe_id: \"spiffe://Prod/orders\"")
        .doesNotContain("Exception");
  }

  @Test
  void badAddress_named() throws Exception {
    assertThat(up("gateway:\n  addr: localhost\n").err())
        .contains("vigil.yaml:2: gateway.addr: \"localhost\" is not HOST:PORT");
  }

  @Test
  void portInUse_stopsStartUpAndLeavesTheDataIntact() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliRun r =
          up(
              "control_plane:\n  addr: 127.0.0.1:"
                  + taken.getLocalPort()
                  + "\n"
                  + "gateway:\n  addr: 127.0.0.1:0\n");

      assertThat(r.status()).isEqualTo(1);
      assertThat(r.err()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort());
    }
    CliRun logs = CliRun.of("logs", "--data-dir", tmp.resolve("data").toString());
    assertThat(logs.status()).as(logs.err()).isZero();
  }

  @Test
  void dataDirectoryIsAFile_namesIt() throws Exception {
    Path file = tmp.resolve("file");
    Files.writeString(file, "x");

    CliRun r = CliRun.of("up", "--data-dir", file.toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("data directory " + file).doesNotContain("\tat ");
  }

  @Test
  void oidcWithoutItsSecret_namesTheVariable() throws Exception {
    CliRun r =
        up(
            "oidc:\n  issuer: https://idp.example\n  client_id: gw\n"
                + "  client_secret_env: VIGIL_TEST_NO_SUCH_SECRET\n"
                + "  redirect_uri: http://127.0.0.1:8080/auth/callback\n");

    assertThat(r.err())
        .contains(
            "vigil.yaml:4: oidc.client_secret_env: environment variable "
                + "VIGIL_TEST_NO_SUCH_SECRET holds no client secret");
  }

  @Test
  void invalidYaml_namesTheLine() throws Exception {
    assertThat(up("gateway:\n  addr: [unclosed\n").err())
        .contains("vigil.yaml:")
        .contains("invalid YAML");
  }
}
