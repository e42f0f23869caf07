package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-ups that must stop with a clear message and leave a data directory that has served before
 * exactly as it was: every regular file keeps its bytes.
 */
class UpBadStartTest {

  @TempDir static Path tmp;
  private static UpProcess up;
  private static String demoConfig;

  /** Runs the demo once, so that the data directory holds a store, keys, CAs and users. */
  @BeforeAll
  static void serveOnce() throws Exception {
    up = new UpProcess(tmp);
    up.start();
    assertThat(up.stop()).isTrue();
    demoConfig = Files.readString(up.config);
  }

  /**
   * Returns the SHA-256 of every regular file under {@code dir}, SQLite's WAL files and the empty
   * lock files (of the directory and of the store) aside: they belong to a run, not to the data.
   * The store's WAL is first checkpointed into it, so that what an earlier process left there (a
   * process that ends before its last connection closes leaves it for the next opener) is counted
   * before, and what the start under test wrote is counted after.
   */
  private static Map<String, String> snapshot(Path dir) throws Exception {
    Path db = dir.resolve("vigil.db");
    if (Files.exists(db)) {
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement st = c.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      } catch (SQLException notADatabase) {
        // A garbage store (one of the cases here) has no WAL to fold in; it is hashed as it is.
      }
    }
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = dir.relativize(f).toString();
        if (!name.endsWith("-wal") && !name.endsWith("-shm") && !name.endsWith(".lock")) {
          byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
          out.put(name, HexFormat.of().formatHex(sha));
        }
      }
    }
    return out;
  }

  private static CliRun run(String yaml, Path dataDir) throws Exception {
    Path cfg = tmp.resolve("bad.yaml");
    Files.writeString(cfg, yaml);
    return CliRun.of("up", "--config", cfg.toString(), "--data-dir", dataDir.toString());
  }

  private static void assertRefusedAndUntouched(String yaml, int status, String message)
      throws Exception {
    Map<String, String> before = snapshot(up.dataDir);
    assertThat(before).containsKeys("vigil.db", "admins.json", "ca.key", "session.key");

    CliRun r = run(yaml, up.dataDir);

    assertThat(r.status()).as(r.err()).isEqualTo(status);
    assertThat(r.err()).contains(message).doesNotContain("\tat ");
    assertThat(r.out()).doesNotContain("first admin");
    assertThat(snapshot(up.dataDir)).isEqualTo(before);
  }

  @Test
  void unknownKey_stopsStartUp_dataUntouched() throws Exception {
    long line = demoConfig.lines().takeWhile(l -> !l.contains("session_idle")).count() + 1;

    assertRefusedAndUntouched(
        demoConfig.replace("  session_idle: 30m", "  session_idel: 30m"),
        Vigil.EXIT_USAGE,
        "bad.yaml:" + line + ": gateway.session_idel: unknown key");
  }

  /**
   * A misspelt route policy started: every request of the route was then decided by a document that
   * does not exist, whatever the route's mode said.
   */
  @Test
  void routePolicyNamingNoRuleOfTheBundle_stopsStartUp_dataUntouched() throws Exception {
    long line = demoConfig.lines().takeWhile(l -> !l.contains("policy: authz/allow")).count() + 1;

    // Where the route's policy key is, as every other error about the file says.
    assertRefusedAndUntouched(
        demoConfig.replace("policy: authz/allow", "policy: authz/alow"),
        1,
        "vigil up: "
            + tmp.resolve("bad.yaml")
            + ":"
            + line
            + ": routes[0].policy: route \"echo\": policy \"authz/alow\" names no rule or data in"
            + " bundle ");
  }

  /**
   * Regression: a misspelt control_plane.authz_policy started without a word, and every request to
   * /v1/authz/envoy, nginx and traefik was denied as undefined.
   */
  @Test
  void authzPolicyNamingNoRuleOfTheBundle_stopsStartUp_dataUntouched() throws Exception {
    long line = demoConfig.lines().takeWhile(l -> !l.equals("control_plane:")).count() + 2;

    assertRefusedAndUntouched(
        demoConfig.replace("control_plane:\n", "control_plane:\n  authz_policy: authz/alow\n"),
        1,
        "vigil up: "
            + tmp.resolve("bad.yaml")
            + ":"
            + line
            + ": control_plane.authz_policy: policy \"authz/alow\" names no rule or data in"
            + " bundle ");
  }

  /**
   * The same key naming a path the bundle defines starts: only a path naming nothing is refused.
   */
  @Test
  void authzPolicyDefinedByTheBundle_starts() throws Exception {
    try (UpProcess other = new UpProcess(Files.createDirectories(tmp.resolve("authz-defined")))) {
      Files.writeString(
          other.config,
          Files.readString(other.config)
              .replace("control_plane:\n", "control_plane:\n  authz_policy: data.authz.allow\n"));

      assertThat(other.start()).anyMatch(l -> l.startsWith("vigil up: control plane"));
      assertThat(other.stop()).isTrue();
    }
  }

  @Test
  void wrongType_stopsStartUp_dataUntouched() throws Exception {
    assertRefusedAndUntouched(
        demoConfig.replace("trust_domains: [prod, staging]", "trust_domains: prod"),
        Vigil.EXIT_USAGE,
        "identity.trust_domains: expected a list");
  }

  @Test
  void controlPlanePortInUse_stopsStartUp_dataUntouched() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertRefusedAndUntouched(
          demoConfig.replace("127.0.0.1:" + up.controlPlane, "127.0.0.1:" + taken.getLocalPort()),
          1,
          "cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
    }
  }

  @Test
  void gatewayPortInUse_stopsStartUp_dataUntouched() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      assertRefusedAndUntouched(
          demoConfig.replace("127.0.0.1:" + up.gateway, "127.0.0.1:" + taken.getLocalPort()),
          1,
          "cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
    }
  }

  @Test
  void unreadableStore_stopsStartUp_fileUntouched() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("garbage-store"));
    Files.writeString(data.resolve("vigil.db"), "this is not a SQLite database\n");
    Map<String, String> before = snapshot(data);

    CliRun r = run(demoConfig, data);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("vigil.db").doesNotContain("\tat ");
    assertThat(snapshot(data)).isEqualTo(before);
  }

  @Test
  void damagedKeyFile_stopsStartUp_fileUntouched() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("short-key"));
    Files.write(data.resolve("session.key"), new byte[] {1, 2, 3});

    CliRun r = run(demoConfig, data);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("session.key is damaged (expected 32 bytes, found 3)");
    assertThat(Files.readAllBytes(data.resolve("session.key"))).containsExactly(1, 2, 3);
  }

  @Test
  void damagedAdministrators_stopsStartUp_fileUntouched() throws Exception {
    Path data = Files.createDirectory(tmp.resolve("bad-admins"));
    Files.writeString(data.resolve("admins.json"), "{not json");

    CliRun r = run(demoConfig, data);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("admins.json is damaged");
    assertThat(Files.readString(data.resolve("admins.json"))).isEqualTo("{not json");
  }

  @Test
  void dataDirectoryUnderAFile_namesIt() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain-file"), "x");

    CliRun r = run(demoConfig, file.resolve("data"));

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("data directory " + file.resolve("data") + " cannot be created");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  @Test
  void dataDirectoryIsAFile_refusedSayingSo_fileUntouched() throws Exception {
    Path file = Files.writeString(tmp.resolve("data-as-file"), "x");

    CliRun r = run(demoConfig, file);

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("data directory " + file + " is a file, not a directory");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  /**
   * A second node on the running node's SQLite store, from a data directory of its own, started and
   * called the store "shared"; but SQLite has no change feed, so a session signed out on one node
   * stayed accepted on the other.
   */
  @Test
  void secondNodeOnARunningNodesSqliteStore_refusedNamingTheStore() throws Exception {
    up.start();
    try {
      Path db = up.dataDir.resolve("vigil.db").toAbsolutePath();
      String otherPorts =
          demoConfig
              .replace("127.0.0.1:" + up.controlPlane, "127.0.0.1:" + UpProcess.freePort())
              .replace("127.0.0.1:" + up.gateway, "127.0.0.1:" + UpProcess.freePort())
              .replaceFirst("tls_addr: \\S+", "tls_addr: 127.0.0.1:" + UpProcess.freePort());
      Path cfg = tmp.resolve("second-node.yaml");
      Files.writeString(cfg, otherPorts);
      Path otherDir = tmp.resolve("second-node");

      CliRun r =
          CliRun.of(
              "up",
              "--config",
              cfg.toString(),
              "--data-dir",
              otherDir.toString(),
              "--store",
              "sqlite:" + db);

      assertThat(r.status()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains("store " + db + " is in use by another vigil up")
          .contains("PostgreSQL")
          .doesNotContain("\tat ");
    } finally {
      assertThat(up.stop()).isTrue();
    }
  }

  @Test
  void secondStartOnARunningDataDirectory_refused_keysUntouched() throws Exception {
    up.start();
    try {
      Map<String, String> before = snapshot(up.dataDir);
      String otherPorts =
          demoConfig
              .replace("127.0.0.1:" + up.controlPlane, "127.0.0.1:" + UpProcess.freePort())
              .replace("127.0.0.1:" + up.gateway, "127.0.0.1:" + UpProcess.freePort())
              .replaceFirst("tls_addr: \\S+", "tls_addr: 127.0.0.1:" + UpProcess.freePort());

      CliRun r = run(otherPorts, up.dataDir);

      assertThat(r.status()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains("data directory " + up.dataDir.toAbsolutePath() + " is in use")
          .doesNotContain("\tat ");
      Map<String, String> after = snapshot(up.dataDir);
      for (String key : List.of("admins.json", "ca.key", "session.key", "console.key")) {
        assertThat(after.get(key)).as(key).isEqualTo(before.get(key));
      }
    } finally {
      assertThat(up.stop()).isTrue();
    }
  }
}
