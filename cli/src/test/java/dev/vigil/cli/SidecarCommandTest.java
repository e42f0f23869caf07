package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil sidecar}'s answers to bad input: one line naming the input, no stack trace. */
class SidecarCommandTest {

  @TempDir Path tmp;

  @Test
  void sidecar_configWithUnknownKey_usageErrorNamingFileLineAndKey() throws Exception {
    Path cfg = tmp.resolve("sidecar.yaml");
    Files.writeString(cfg, "outbound:\n  - name: out\n    lisen: 127.0.0.1:1\n");

    CliRun r = CliRun.of("sidecar", "--config", cfg.toString(), "--data-dir", tmp.toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("sidecar.yaml:3: outbound[0].lisen: unknown key");
    assertThat(r.err()).doesNotContain("Exception");
  }

  @Test
  void sidecar_tcpListenerOnAPermissivePort_usageErrorNamingFileLineAndWhy() throws Exception {
    Path cfg = tmp.resolve("sidecar.yaml");
    Files.writeString(
        cfg,
        """
        inbound:
          - name: db
            listen: 127.0.0.1:15432
            protocol: tcp
            peer_mode: PERMISSIVE
            app: 127.0.0.1:5432
            policy: sidecar/allow
        """);

    CliRun r = CliRun.of("sidecar", "--config", cfg.toString(), "--data-dir", tmp.toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .contains("sidecar.yaml:5: inbound[0].peer_mode: peer_mode PERMISSIVE is for HTTP")
        .contains("a byte stream cannot be marked plaintext");
    assertThat(r.err()).doesNotContain("Exception");
  }

  @Test
  void sidecar_noWorkloadApiListening_failsNamingTheSocket() throws Exception {
    Path cfg = tmp.resolve("sidecar.yaml");
    Path socket = tmp.resolve("absent.sock");
    Files.writeString(
        cfg,
        "outbound:\n  - name: out\n    listen: 127.0.0.1:0\n    target: 127.0.0.1:1\n"
            + "    expect: spiffe://prod.example/b\n");

    CliRun r =
        CliRun.of(
            "sidecar",
            "--config",
            cfg.toString(),
            "--data-dir",
            tmp.resolve("data").toString(),
            "--svid-wait",
            "1s",
            "--workload-api",
            "unix:" + socket);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("cannot get an X.509-SVID from the Workload API at unix:" + socket);
  }

  @Test
  void sidecar_zeroIntervals_usageErrorNamingTheOption() throws Exception {
    Path cfg = tmp.resolve("sidecar.yaml");
    Files.writeString(
        cfg,
        "outbound:\n  - name: out\n    listen: 127.0.0.1:0\n    target: 127.0.0.1:1\n"
            + "    expect: spiffe://prod.example/b\n");
    for (String option : new String[] {"--poll-interval", "--svid-wait"}) {
      CliRun r =
          CliRun.of(
              "sidecar",
              "--config",
              cfg.toString(),
              "--data-dir",
              tmp.resolve("data").toString(),
              option,
              "0s");

      assertThat(r.status()).as(option).isEqualTo(Vigil.EXIT_USAGE);
      assertThat(r.err()).contains("vigil sidecar: " + option + " \"0s\" must be longer than 0");
      assertThat(tmp.resolve("data")).doesNotExist();
    }
  }

  @Test
  void sidecar_logRetainTooShortOrNotADuration_usageErrorBeforeAnyStore() throws Exception {
    Path cfg = tmp.resolve("sidecar.yaml");
    Files.writeString(cfg, "outbound: []\n");
    Path data = tmp.resolve("data");

    String[] base = {"sidecar", "--config", cfg.toString(), "--data-dir", data.toString()};

    CliRun shortRun = CliRun.of(withRetain(base, "59m"));
    CliRun wordRun = CliRun.of(withRetain(base, "forever"));

    assertThat(shortRun.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(shortRun.err())
        .contains(
            "vigil sidecar: --log-retain \"59m\" is too short to keep decisions: at least 1h");
    assertThat(wordRun.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(wordRun.err()).contains("vigil sidecar: --log-retain \"forever\" is not a duration");
    assertThat(data).doesNotExist();
    assertThat(CliRun.of("sidecar", "--help").out()).contains("--log-retain");
  }

  private static String[] withRetain(String[] args, String retain) {
    String[] all = java.util.Arrays.copyOf(args, args.length + 2);
    all[args.length] = "--log-retain";
    all[args.length + 1] = retain;
    return all;
  }
}
