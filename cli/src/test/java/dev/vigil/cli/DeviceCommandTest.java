package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.access.DeviceAgent;
import dev.vigil.access.DeviceCertificates;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil up} as its own process, and the device commands a person runs against it: an
 * administrator makes a token on the store, the device enrols and reports over HTTP, and the
 * gateway's TLS listener lets the managed device through a policy that requires one.
 */
class DeviceCommandTest {

  @TempDir static Path tmp;
  static HttpServer upstream;
  static Process up;
  static int cp;
  static int tlsPort;

  private static int freePort() throws Exception {
    return dev.vigil.testkit.FreePorts.next();
  }

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body = "upstream ok".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    Files.createDirectories(tmp.resolve("policies"));
    Files.writeString(
        tmp.resolve("policies/devices.rego"),
        """
        package devices
        import rego.v1
        default allow := false
        allow if {
          input.device.managed
          input.device.posture.disk_encrypted
        }
        """);
    cp = freePort();
    tlsPort = freePort();
    Files.writeString(
        tmp.resolve("vigil.yaml"),
        "control_plane:\n  addr: 127.0.0.1:"
            + cp
            + "\n"
            + "gateway:\n  addr: 127.0.0.1:0\n  tls_addr: 127.0.0.1:"
            + tlsPort
            + "\n"
            + "policy:\n  bundle: policies\n"
            + "routes:\n  - name: app\n    upstream: http://127.0.0.1:"
            + upstream.getAddress().getPort()
            + "\n    policy: devices/allow\n");
    up =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "up",
                "--config",
                tmp.resolve("vigil.yaml").toString(),
                "--data-dir",
                tmp.resolve("data").toString())
            .redirectError(tmp.resolve("up.err").toFile())
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(up.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("vigil up: gateway (TLS)")) {
        assertThat(line).contains("https://127.0.0.1:" + tlsPort);
      }
      if (line.startsWith("vigil up: data directory")) {
        return;
      }
    }
    throw new AssertionError("vigil up did not start: " + Files.readString(tmp.resolve("up.err")));
  }

  @AfterAll
  static void stop() throws Exception {
    up.destroy();
    up.waitFor(30, TimeUnit.SECONDS);
    upstream.stop(0);
  }

  private CliRun cli(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.status()).as(r.err()).isZero();
    return r;
  }

  private HttpResponse<String> viaTls(Path deviceDir) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "gw",
        DeviceCertificates.certificates(Files.readString(tmp.resolve("data/gateway-tls.crt")))
            .get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    if (deviceDir != null) {
      PrivateKey key =
          DeviceCertificates.privateKey(Files.readString(deviceDir.resolve(DeviceAgent.KEY)));
      List<? extends Certificate> chain =
          DeviceCertificates.certificates(Files.readString(deviceDir.resolve(DeviceAgent.CERT)));
      keys.setKeyEntry("device", key, new char[0], chain.toArray(Certificate[]::new));
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    kmf.init(keys, new char[0]);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    HttpClient c =
        HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(ssl).build();
    return c.send(
        HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort + "/app"))
            .header("Accept", "application/json")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void tokenEnrollReport_thenManagedDevicePassesTheTlsListener() throws Exception {
    String data = tmp.resolve("data").toString();
    Path deviceDir = tmp.resolve("device");
    String server = "http://127.0.0.1:" + cp;

    String token = cli("device", "token", "--data-dir", data, "--ttl", "1h").out().strip();
    CliRun enrolled =
        cli(
            "device",
            "enroll",
            "--server",
            server,
            "--token",
            token,
            "--name",
            "ci-box",
            "--device-dir",
            deviceDir.toString());
    assertThat(viaTls(deviceDir).statusCode()).isEqualTo(401);
    CliRun reported =
        cli(
            "device",
            "report",
            "--server",
            server,
            "--device-dir",
            deviceDir.toString(),
            "--disk-encrypted",
            "true");
    HttpResponse<String> managed = viaTls(deviceDir);
    HttpResponse<String> anonymous = viaTls(null);
    CliRun list = cli("device", "list", "--data-dir", data);

    assertThat(enrolled.out()).contains("enrolled device dev-").contains("ci-box");
    assertThat(reported.out()).contains("\"disk_encrypted\":true").contains("within 3600s");
    assertThat(managed.statusCode()).isEqualTo(200);
    assertThat(managed.body()).isEqualTo("upstream ok");
    assertThat(managed.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(list.out()).contains("ci-box").contains("fresh");
  }

  /** Enrols a device into {@code deviceDir} with a token, through the control plane. */
  private CliRun enroll(String token, Path deviceDir) throws Exception {
    return cli(
        "device",
        "enroll",
        "--server",
        "http://127.0.0.1:" + cp,
        "--token",
        token,
        "--device-dir",
        deviceDir.toString());
  }

  @Test
  void enroll_tokenSpentOrUnknown_namesTheCommandAndOption_exitsAsBadInput() throws Exception {
    // Regression: a spent token was told as "vigil: enrolment token was already used", exit 1,
    // unlike the other refused inputs of the command line.
    String data = tmp.resolve("data").toString();
    String server = "http://127.0.0.1:" + cp;
    String token = cli("device", "token", "--data-dir", data).out().strip();
    enroll(token, tmp.resolve("d1"));

    CliRun again =
        CliRun.of(
            "device",
            "enroll",
            "--server",
            server,
            "--token",
            token,
            "--device-dir",
            tmp.resolve("d2").toString());

    CliRun unknown =
        CliRun.of(
            "device",
            "enroll",
            "--server",
            server,
            "--token",
            "made-up",
            "--device-dir",
            tmp.resolve("d3").toString());

    assertThat(again.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(again.err())
        .startsWith("vigil device enroll: --token: enrolment token was already used")
        .doesNotContain("at dev.");
    assertThat(unknown.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(unknown.err()).startsWith("vigil device enroll: --token: enrolment token is not");
  }

  @Test
  void report_deviceRevoked_refusalNamesTheCommand() throws Exception {
    String data = tmp.resolve("data").toString();
    String token = cli("device", "token", "--data-dir", data).out().strip();
    Path dir = tmp.resolve("revoked");
    String id = enroll(token, dir).out().replaceAll("(?s).*enrolled device (dev-\\S+).*", "$1");
    cli("device", "revoke", "--data-dir", data, id);

    CliRun r =
        CliRun.of(
            "device",
            "report",
            "--server",
            "http://127.0.0.1:" + cp,
            "--device-dir",
            dir.toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).startsWith("vigil device report: ").contains("revoked");
  }

  @Test
  void enroll_serverWithoutScheme_saysWhatAUrlLooksLike() {
    CliRun r = CliRun.of("device", "enroll", "--server", "127.0.0.1:" + cp, "--token", "t");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err())
        .contains("--server")
        .contains("\"127.0.0.1:" + cp + "\" is not a URL")
        .contains("write it like http://127.0.0.1:8181")
        .doesNotContain("URISyntaxException")
        .doesNotContain("java.net");
  }

  @Test
  void report_negativePatchAge_refusedBeforeItIsSignedOrSent() throws Exception {
    String data = tmp.resolve("data").toString();
    Path deviceDir = tmp.resolve("device-neg");
    String server = "http://127.0.0.1:" + cp;
    String token = cli("device", "token", "--data-dir", data).out().strip();
    String id =
        enroll(token, deviceDir).out().replaceAll("(?s).*enrolled device (dev-[0-9a-f]+).*", "$1");

    CliRun r =
        CliRun.of(
            "device",
            "report",
            "--server",
            server,
            "--device-dir",
            deviceDir.toString(),
            "--patch-age-days",
            "-3");

    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err())
        .contains("vigil device report: --patch-age-days must be a whole number of days, got -3");
    assertThat(id).startsWith("dev-");
    assertThat(cli("device", "list", "--data-dir", data).out())
        .containsPattern("(?m)^" + id + " .* no-report ");
  }

  @Test
  void report_withoutEnrolment_namesTheMissingFile() {
    CliRun r =
        CliRun.of(
            "device",
            "report",
            "--server",
            "http://127.0.0.1:" + cp,
            "--device-dir",
            tmp.resolve("nothing").toString());

    assertThat(r.status()).isNotZero();
    assertThat(r.err()).contains("device.key does not exist").contains("vigil device enroll");
  }

  @Test
  void enroll_deviceDirIsAFile_refusedBeforeTheTokenIsSpent() throws Exception {
    String data = tmp.resolve("data").toString();
    String server = "http://127.0.0.1:" + cp;
    String token = cli("device", "token", "--data-dir", data).out().strip();
    Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");

    CliRun bad =
        CliRun.of(
            "device", "enroll", "--server", server, "--token", token, "--device-dir", file + "");
    CliRun good =
        CliRun.of(
            "device",
            "enroll",
            "--server",
            server,
            "--token",
            token,
            "--device-dir",
            tmp.resolve("d-after-file").toString());

    assertThat(bad.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(bad.err())
        .contains("--device-dir " + file + " is not a writable directory")
        .doesNotContain("at dev.");
    assertThat(Files.readString(file)).isEqualTo("x");
    assertThat(good.status()).as(good.err()).isZero();
  }

  @Test
  void token_zeroTtl_refused() {
    CliRun r =
        CliRun.of("device", "token", "--ttl", "0s", "--data-dir", tmp.resolve("data").toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("--ttl must be longer than 0s");
    assertThat(r.out()).doesNotContain("vdt_");
  }

  /** Regression: a label of 100,000 characters was kept with the token as given. */
  @Test
  void token_labelTooLong_refusedNamingTheOption() {
    CliRun r =
        CliRun.of(
            "device",
            "token",
            "--label",
            "x".repeat(100_000),
            "--data-dir",
            tmp.resolve("data").toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err())
        .isEqualTo(
            "vigil device token: --label: the token's label is 100000 characters long; at most"
                + " 100 are kept\n");
    assertThat(r.out()).doesNotContain("vdt_");
  }

  @Test
  void enroll_serverNotAUrl_namesTheOption() {
    CliRun r =
        CliRun.of(
            "device",
            "enroll",
            "--server",
            "notaurl",
            "--token",
            "vdt_x",
            "--device-dir",
            tmp.resolve("d-nourl").toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("--server \"notaurl\" is not an http or https URL");
  }
}
