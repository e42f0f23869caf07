package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.tls.ServerCertificate;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
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
    // Started below without --demo: no demo people to approve the demo's entitlement.
    demoConfig = UpProcess.withoutAccess(Files.readString(up.config));
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

  /** Returns the line of the first line of {@code yaml} that contains {@code text}. */
  private static long lineOf(String yaml, String text) {
    return yaml.lines().takeWhile(l -> !l.contains(text)).count() + 1;
  }

  /** Returns {@code bad.yaml:LINE: KEY: }, as an error about the key starts. */
  private static String place(String yaml, String text, String key) {
    return tmp.resolve("bad.yaml") + ":" + lineOf(yaml, text) + ": " + key + ": ";
  }

  /**
   * Regression: a busy port said "cannot listen on 127.0.0.1:N" without the key or line that gave
   * it, unlike every other error the file causes. Every listener now names its key.
   */
  @Test
  void controlPlanePortInUse_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml =
          demoConfig.replace("127.0.0.1:" + up.controlPlane, "127.0.0.1:" + taken.getLocalPort());
      assertRefusedAndUntouched(
          yaml,
          1,
          "vigil up: "
              + place(yaml, "addr: 127.0.0.1:" + taken.getLocalPort(), "control_plane.addr")
              + "cannot listen on 127.0.0.1:"
              + taken.getLocalPort()
              + ": address already in use");
    }
  }

  @Test
  void gatewayPortInUse_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml =
          demoConfig.replace("127.0.0.1:" + up.gateway, "127.0.0.1:" + taken.getLocalPort());
      assertRefusedAndUntouched(
          yaml,
          1,
          "vigil up: "
              + place(yaml, "addr: 127.0.0.1:" + taken.getLocalPort(), "gateway.addr")
              + "cannot listen on 127.0.0.1:"
              + taken.getLocalPort()
              + ": address already in use");
    }
  }

  @Test
  void gatewayTlsPortInUse_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml =
          demoConfig.replaceFirst("tls_addr: \\S+", "tls_addr: 127.0.0.1:" + taken.getLocalPort());
      assertRefusedAndUntouched(
          yaml,
          1,
          "vigil up: "
              + place(yaml, "tls_addr:", "gateway.tls_addr")
              + "cannot listen with TLS on 127.0.0.1:"
              + taken.getLocalPort()
              + ": address already in use");
    }
  }

  /** The demo's echo app listens on the first route's upstream: named by that key. */
  @Test
  void demoUpstreamPortInUse_stopsStartUp_namesTheRoutesUpstream() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String yaml =
          demoConfig.replaceAll(
              "upstream: http://127.0.0.1:\\d+",
              "upstream: http://127.0.0.1:" + taken.getLocalPort());
      Path cfg = tmp.resolve("bad.yaml");
      Files.writeString(cfg, yaml);

      CliRun r =
          CliRun.of(
              "up",
              "--demo",
              "--config",
              cfg.toString(),
              "--data-dir",
              tmp.resolve("demo-upstream-data").toString());

      assertThat(r.status()).as(r.err()).isEqualTo(1);
      assertThat(r.err())
          .contains(
              "vigil up: "
                  + place(yaml, "upstream:", "routes[0].upstream")
                  + "demo upstream 127.0.0.1:"
                  + taken.getLocalPort()
                  + " cannot start: address already in use")
          .doesNotContain("\tat ");
    }
  }

  /** The Workload API's socket path is somebody's file: named by identity.agent_socket. */
  @Test
  void agentSocketNotASocket_stopsStartUp_namesTheKey_fileUntouched() throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-socket"), "x");
    String yaml =
        demoConfig.replace(
            "identity:\n", "identity:\n  agent_socket: " + file.toAbsolutePath() + "\n");

    CliRun r = run(yaml, tmp.resolve("agent-socket-data"));

    assertThat(r.status()).as(r.err()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "vigil up: "
                + place(yaml, "agent_socket:", "identity.agent_socket")
                + "socket path "
                + file.toAbsolutePath()
                + " is not a socket")
        .doesNotContain("\tat ");
    assertThat(Files.readString(file)).isEqualTo("x");
  }

  /** The demo configuration with the control plane's TLS keys given, as {@code KEY: VALUE}. */
  private static String withControlPlaneTls(String... lines) {
    String addr = "  addr: 127.0.0.1:" + up.controlPlane + "\n";
    return demoConfig.replace(addr, addr + "  " + String.join("\n  ", lines) + "\n");
  }

  /**
   * Starts the demo with the control plane's {@code cert} and {@code key}, and expects start-up
   * refused with {@code reason}, the line of {@code key} when {@code onKey}, else of the cert.
   */
  private static void assertControlPlaneTlsRefused(
      Path cert, Path key, boolean onKey, String reason) throws Exception {
    String yaml = withControlPlaneTls("tls_cert: " + cert, "tls_key: " + key);
    String named = onKey ? "tls_key: " + key : "tls_cert: " + cert;
    Path file = onKey ? key : cert;
    String option = onKey ? "control_plane.tls_key" : "control_plane.tls_cert";

    assertRefusedAndUntouched(
        yaml, 1, "vigil up: " + place(yaml, named, option) + file + ": " + reason);
  }

  @Test
  void controlPlaneTlsCertNotPem_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("cp-not-pem"));
    ServerCertificate.selfSigned(pair, Instant.now());
    Path cert = Files.writeString(pair.resolve("garbage.crt"), "not a certificate\n");

    assertControlPlaneTlsRefused(
        cert, pair.resolve(ServerCertificate.KEY_FILE), false, "no CERTIFICATE block in it");
  }

  @Test
  void controlPlaneTlsCertExpired_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("cp-expired"));
    ServerCertificate.selfSigned(pair, Instant.now().minus(Duration.ofDays(400)));

    assertControlPlaneTlsRefused(
        pair.resolve(ServerCertificate.CERT_FILE),
        pair.resolve(ServerCertificate.KEY_FILE),
        false,
        "the certificate expired on ");
  }

  @Test
  void controlPlaneTlsKeyOfAnotherCertificate_stopsStartUp_namesTheKey() throws Exception {
    Path one = Files.createDirectories(tmp.resolve("cp-one"));
    Path two = Files.createDirectories(tmp.resolve("cp-two"));
    ServerCertificate.selfSigned(one, Instant.now());
    ServerCertificate.selfSigned(two, Instant.now());

    assertControlPlaneTlsRefused(
        one.resolve(ServerCertificate.CERT_FILE),
        two.resolve(ServerCertificate.KEY_FILE),
        true,
        "the key does not belong to the first certificate of ");
  }

  @Test
  void controlPlaneClientCaWithoutCertificate_stopsStartUp_namesTheKey() throws Exception {
    String yaml = withControlPlaneTls("tls_client_ca: ca.pem");

    assertRefusedAndUntouched(
        yaml,
        Vigil.EXIT_USAGE,
        place(yaml, "tls_client_ca: ca.pem", "control_plane.tls_client_ca")
            + "needs tls_cert and tls_key");
  }

  @Test
  void controlPlaneCertWithoutKey_stopsStartUp_namesTheKey() throws Exception {
    String yaml = withControlPlaneTls("tls_cert: server.pem");

    assertRefusedAndUntouched(
        yaml,
        Vigil.EXIT_USAGE,
        place(yaml, "tls_cert: server.pem", "control_plane.tls_cert")
            + "tls_cert and tls_key go together: give both");
  }

  /** Regression: the error named the line of access.notify.url, not of the key at fault. */
  @Test
  void accessNotifySecretMissing_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path secret = tmp.resolve("no-such.secret");
    String yaml =
        demoConfig
            + "\naccess:\n  notify:\n    url: http://127.0.0.1:9/hook\n    secret_file: "
            + secret
            + "\n";

    assertRefusedAndUntouched(
        yaml,
        1,
        "vigil up: "
            + tmp.resolve("bad.yaml")
            + ":"
            + lineOf(yaml, "secret_file: " + secret)
            + ": access.notify.secret_file: "
            + secret
            + ": no such file or directory");
  }

  /** The demo configuration with the gateway's certificate and key files given. */
  private static String withTlsFiles(Path cert, Path key) {
    return demoConfig.replace(
        "  tls_addr: ", "  tls_cert: " + cert + "\n  tls_key: " + key + "\n  tls_addr: ");
  }

  /**
   * Regression: a bad tls_cert or tls_key said "TLS certificate FILE: ..." without the line of the
   * file that named it, and an expired certificate or a key the listener cannot serve started and
   * failed every handshake. Each is now refused at start, by its key and line.
   */
  @Test
  void tlsCertNotPem_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("tls-not-pem"));
    ServerCertificate.selfSigned(pair, Instant.now());
    Path cert = Files.writeString(pair.resolve("garbage.crt"), "not a certificate\n");
    String yaml = withTlsFiles(cert, pair.resolve(ServerCertificate.KEY_FILE));

    assertRefusedAndUntouched(
        yaml,
        1,
        "vigil up: "
            + place(yaml, "tls_cert:", "gateway.tls_cert")
            + cert
            + ": no PEM certificate");
  }

  @Test
  void tlsCertExpired_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("tls-expired"));
    ServerCertificate.selfSigned(pair, Instant.now().minus(Duration.ofDays(400)));
    Path cert = pair.resolve(ServerCertificate.CERT_FILE);
    String yaml = withTlsFiles(cert, pair.resolve(ServerCertificate.KEY_FILE));

    assertRefusedAndUntouched(
        yaml,
        1,
        "vigil up: "
            + place(yaml, "tls_cert:", "gateway.tls_cert")
            + cert
            + ": the certificate expired on ");
  }

  @Test
  void tlsKeyOfAnotherType_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("tls-ed25519"));
    ServerCertificate.selfSigned(pair, Instant.now());
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Path key =
        Files.writeString(
            pair.resolve("ed.key"),
            "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(ed.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
    String yaml = withTlsFiles(pair.resolve(ServerCertificate.CERT_FILE), key);

    assertRefusedAndUntouched(
        yaml,
        1,
        "vigil up: " + place(yaml, "tls_key:", "gateway.tls_key") + key + ": the key is Ed");
  }

  @Test
  void tlsKeyUnreadable_stopsStartUp_namesTheKey_dataUntouched() throws Exception {
    Path pair = Files.createDirectories(tmp.resolve("tls-key-dir"));
    ServerCertificate.selfSigned(pair, Instant.now());
    Path key = Files.createDirectories(pair.resolve("key-is-a-directory"));
    String yaml = withTlsFiles(pair.resolve(ServerCertificate.CERT_FILE), key);

    assertRefusedAndUntouched(
        yaml,
        1,
        "vigil up: "
            + place(yaml, "tls_key:", "gateway.tls_key")
            + key
            + ": cannot read it: is a directory");
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
