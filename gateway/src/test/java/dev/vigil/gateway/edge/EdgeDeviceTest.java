package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.access.DeviceAgent;
import dev.vigil.access.DeviceCertificates;
import dev.vigil.access.Devices;
import dev.vigil.access.Posture;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device step of edge mode over the gateway's TLS listener, with HTTP/2: a policy that requires
 * a managed device with disk encryption lets an enrolled device with a fresh report through, and
 * denies every other device without the gateway refusing anything on its own.
 */
class EdgeDeviceTest {

  static final String POLICY =
      """
      package devices
      import rego.v1
      default allow := false
      allow if {
        input.device.managed
        input.device.posture.disk_encrypted == true
      }
      """;

  @TempDir static Path tmp;
  static final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  static final InstantSource clock = () -> now.get();
  static HttpServer upstream;
  static Store store;
  static DecisionLog log;
  static Devices devices;
  static EdgeGateway gateway;
  static ServerCertificate serverCert;

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
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    devices =
        Devices.open(store, CaKeyCipher.ofKey(new byte[32]), clock, Devices.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "devices", Map.of("devices.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "devices/allow",
            Mode.ENFORCE,
            Map.of("service", "app"),
            null);
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "bob",
                    "bob@example.com",
                    List.of("dev"),
                    List.of(),
                    PasswordHash.hash("battery staple"),
                    null)),
            new SessionCodec(
                SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock),
            clock);
    serverCert = ServerCertificate.selfSigned(tmp, now.get());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), clock),
                    clock)
                .withSignIn(new EdgeSignIn(auth, new IdentityProviders(List.of()), List.of()))
                .withTls(new TlsListener("127.0.0.1", 0, serverCert, devices)));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    devices.close();
    log.close();
    store.close();
  }

  @BeforeEach
  void tick() {
    now.set(now.get().plusSeconds(10));
  }

  record Device(KeyPair key, X509Certificate cert, DeviceAgent agent) {}

  static Device enroll(String name) throws Exception {
    KeyPair key = DeviceAgent.newKey();
    String token = devices.createToken(name, Duration.ofHours(1));
    var e = devices.enroll(token, DeviceAgent.csr(key), name);
    DeviceAgent agent = DeviceAgent.save(tmp.resolve("devices").resolve(name), key, e);
    return new Device(key, agent.certificate(), agent);
  }

  static void report(Device d, boolean diskEncrypted) {
    devices.acceptReport(
        d.agent()
            .signReport(
                new Posture("linux", "Debian 13", 1, diskEncrypted, true, true), now.get()));
  }

  /** An HTTP/2 client that trusts the gateway and presents {@code cert}, if any. */
  static HttpClient client(KeyPair key, X509Certificate... chain) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "gateway", DeviceCertificates.certificates(serverCert.certificatePem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    if (key != null) {
      keys.setKeyEntry("device", key.getPrivate(), new char[0], (Certificate[]) chain);
    }
    kmf.init(keys, new char[0]);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .sslContext(ssl)
        .cookieHandler(new CookieManager())
        .connectTimeout(Duration.ofSeconds(10))
        .build();
  }

  static URI tls(String path) {
    return URI.create("https://127.0.0.1:" + gateway.tlsPort() + path);
  }

  static HttpResponse<String> signIn(HttpClient c) throws Exception {
    return c.send(
        HttpRequest.newBuilder(tls("/auth/login"))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\"bob\",\"password\":\"battery staple\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> signInAndGet(HttpClient c) throws Exception {
    assertThat(signIn(c).statusCode()).isEqualTo(200);
    return c.send(
        HttpRequest.newBuilder(tls("/reports")).header("Accept", "application/json").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String deviceStatusOf(HttpResponse<String> r) throws Exception {
    String id = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    DecisionReader reader = new DecisionReader(store);
    for (int i = 0; i < 100 && reader.get(id).isEmpty(); i++) {
      Thread.sleep(50);
    }
    String event = reader.get(id).orElseThrow().eventJson();
    int at = event.indexOf("\"status\":\"");
    return event.substring(at + 10, event.indexOf('"', at + 10));
  }

  @Test
  void enrolledDeviceWithFreshReport_allowedOverHttp2() throws Exception {
    Device d = enroll("fresh");
    report(d, true);

    HttpResponse<String> r = signInAndGet(client(d.key(), d.cert()));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("upstream ok");
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  @Test
  void staleReport_deniedAsUnknownDevice() throws Exception {
    Device d = enroll("stale");
    report(d, true);
    HttpClient c = client(d.key(), d.cert());
    now.set(now.get().plus(Duration.ofHours(1)).plusSeconds(1));

    HttpResponse<String> r = signInAndGet(c);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(deviceStatusOf(r)).isEqualTo("stale_report");
  }

  @Test
  void noClientCertificate_deniedByPolicyNotByTls() throws Exception {
    HttpResponse<String> r = signInAndGet(client(null));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("access_denied");
    assertThat(deviceStatusOf(r)).isEqualTo("no_certificate");
    System.err.println(
        "EVENT "
            + new DecisionReader(store)
                .get(r.headers().firstValue("X-Vigil-Decision-Id").get())
                .get()
                .eventJson());
  }

  @Test
  void certificateFromAnotherCaWithTheSameName_deniedAsUntrusted() throws Exception {
    Device d = enroll("genuine");
    report(d, true);
    Store otherStore = Store.open(StoreLocation.embedded(tmp.resolve("other-ca")));
    try (Devices other =
        Devices.open(
            otherStore, CaKeyCipher.ofKey(new byte[32]), clock, Devices.Options.defaults())) {
      // Same key, same issuer name and a device id that is enrolled here: only the CA differs.
      var e =
          other.enroll(other.createToken("x", Duration.ofHours(1)), DeviceAgent.csr(d.key()), "x");
      X509Certificate forged = DeviceCertificates.certificates(e.certificatePem()).get(0);

      HttpResponse<String> r = signInAndGet(client(d.key(), forged));

      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(deviceStatusOf(r)).isEqualTo("untrusted_certificate");
    } finally {
      otherStore.close();
    }
  }

  @Test
  void forgedReport_refused_deviceStaysWithoutPosture() throws Exception {
    Device d = enroll("forged");
    KeyPair stranger = DeviceAgent.newKey();
    String forged =
        dev.vigil.access.PostureReport.of(
                d.agent().deviceId(), now.get(), new Posture("linux", "x", 0, true, true, true))
            .sign(stranger.getPrivate());

    assertThatThrownBy(() -> devices.acceptReport(forged)).hasMessageContaining("signature");
    HttpResponse<String> r = signInAndGet(client(d.key(), d.cert()));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(deviceStatusOf(r)).isEqualTo("no_report");
  }

  @Test
  void freshReportWithoutDiskEncryption_deniedByPolicy() throws Exception {
    Device d = enroll("plain-disk");
    report(d, false);

    HttpResponse<String> r = signInAndGet(client(d.key(), d.cert()));

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(deviceStatusOf(r)).isEqualTo("managed");
  }

  @Test
  void signInOverTls_sessionCookieIsSecureAndHostPrefixed() throws Exception {
    HttpResponse<String> login = signIn(client(null));

    assertThat(login.headers().allValues("Set-Cookie"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("__Host-" + SessionCodec.COOKIE + "=")
                    .contains("; Secure", "; Path=/;"));
  }

  @Test
  void curlHttp2WithDeviceCertificate_allowed() throws Exception {
    Path curl = Path.of("/usr/bin/curl");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(curl), "curl is not installed");
    Device d = enroll("curl");
    report(d, true);
    Path dir = d.agent().directory();
    Files.writeString(tmp.resolve("gateway.crt"), serverCert.certificatePem());

    Process p =
        new ProcessBuilder(
                curl.toString(),
                "-s",
                "--http2",
                "--cacert",
                tmp.resolve("gateway.crt").toString(),
                "--cert",
                dir.resolve(DeviceAgent.CERT).toString(),
                "--key",
                dir.resolve(DeviceAgent.KEY).toString(),
                "-o",
                "/dev/null",
                "-w",
                "%{http_version} %{http_code}",
                tls("/curl").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();

    assertThat(out).isEqualTo("2 200");
  }

  @Test
  void plainListener_h2cUpgrade_served() throws Exception {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    HttpResponse<String> r =
        c.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/x"))
                .header("Accept", "application/json")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.statusCode()).isEqualTo(401);
  }
}
