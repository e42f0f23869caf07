package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The gateway in edge mode over real sockets, with a real upstream that records what it gets. */
class EdgeGatewayTest {

  static final String POLICY =
      """
      package gw
      import rego.v1

      default allow := false

      # Case C01: only paths under /info/ are open.
      allow if startswith(input.request.path, "/info/")

      # Case C03 and C05: one public endpoint, decided on the path the gateway forwards.
      allow if input.request.path == "/public/legit/endpoint"
      allow if input.request.path == "/public/health"

      # Case C16: a non-boolean answer must never allow.
      odd := "true"
      """;

  @TempDir static Path tmp;
  static HttpServer upstream;
  static final List<String> seen = new CopyOnWriteArrayList<>();
  static final List<Map<String, List<String>>> seenHeaders = new CopyOnWriteArrayList<>();
  static EdgeGateway gateway;
  static IdentityAssertion assertion;
  static Store store;
  static DecisionLog log;

  @BeforeAll
  static void start() throws Exception {
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          seen.add(ex.getRequestURI().getRawPath());
          seenHeaders.add(Map.copyOf(ex.getRequestHeaders()));
          byte[] body =
              ("upstream saw " + ex.getRequestURI().getRawPath()).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    URI up = URI.create("http://127.0.0.1:" + upstream.getAddress().getPort());
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles("gw", Map.of("gw.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    RouteTable routes =
        new RouteTable(
            List.of(
                new Route(
                    "app",
                    "*",
                    "/",
                    up,
                    "gw/allow",
                    Mode.ENFORCE,
                    Map.of("service", "app", "environment", "production"),
                    null),
                new Route(
                    "trial",
                    "trial.example",
                    "/",
                    up,
                    "gw/allow",
                    Mode.MONITOR,
                    Map.of("service", "trial"),
                    null),
                new Route("odd", "odd.example", "/", up, "gw/odd", Mode.ENFORCE, Map.of(), null),
                new Route(
                    "down",
                    "down.example",
                    "/",
                    URI.create("http://127.0.0.1:1"),
                    "gw/allow",
                    Mode.ENFORCE,
                    Map.of(),
                    null)));
    assertion =
        new IdentityAssertion(
            "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(routes),
                pdp,
                assertion,
                InstantSource.system()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    log.close();
    store.close();
  }

  @BeforeEach
  void clear() {
    seen.clear();
    seenHeaders.clear();
  }

  /** Sends a raw request line, so that nothing on the client side rewrites the target. */
  static String[] raw(String target, String host, String... headers) throws Exception {
    return raw(gateway.port(), target, host, headers);
  }

  /** Sends a raw request to a gateway; returns the status and the rest of the response. */
  static String[] raw(int port, String target, String host, String... headers) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      StringBuilder req =
          new StringBuilder(
              "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      req.append("\r\n");
      s.getOutputStream().write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      StringBuilder rest = new StringBuilder();
      String line;
      while ((line = in.readLine()) != null) {
        rest.append(line).append('\n');
      }
      return new String[] {status.split(" ")[1], rest.toString()};
    }
  }

  @Test
  void dotSegmentsInsideAllowedPrefix_forwardsTheNormalisedPath_c01() throws Exception {
    String[] r = raw("/info/a/../b", "app.example");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seen).containsExactly("/info/b");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/info/../private",
        "/info/%2e%2e/private",
        "/info/.%2E/private",
        "/info/..;/private",
        "/info//../../private",
        "/info/%2E%2E/%2e%2e/private"
      })
  void dotSegmentsLeavingAllowedPrefix_refusedAndUpstreamNeverCalled_c01(String target)
      throws Exception {
    String[] r = raw(target, "app.example");

    assertThat(r[0]).isIn("400", "401", "403");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/user/profile#section1",
        "/public/secret%23/endpoint",
        "/public/legit%2Fendpoint",
        "/info%5C..%5Cprivate",
        "/info/%00"
      })
  void fragmentsAndAmbiguousEncodings_refusedWith400_c03(String target) throws Exception {
    String[] r = raw(target, "app.example");

    assertThat(r[0]).isEqualTo("400");
    assertThat(seen).isEmpty();
  }

  @Test
  void publicEndpoint_passes_c03() throws Exception {
    assertThat(raw("/public/legit/endpoint", "app.example")[0]).isEqualTo("200");
  }

  @Test
  void spoofedForwardedUri_neverPicksThePath_c05() throws Exception {
    String[] r =
        raw(
            "/admin",
            "app.example",
            "X-Forwarded-Uri: /public/health",
            "X-Original-URI: /public/health",
            "X-Forwarded-Method: GET");

    assertThat(r[0]).isEqualTo("401");
    assertThat(seen).isEmpty();
  }

  @Test
  void spoofedIdentityHeaders_removedBeforeUpstream() throws Exception {
    raw(
        "/info/x",
        "app.example",
        "X-Vigil-User: admin",
        "X_Forwarded_User: admin",
        "X-Vigil-Assertion: forged");

    assertThat(seenHeaders).hasSize(1);
    Map<String, List<String>> h = seenHeaders.get(0);
    assertThat(h.keySet()).noneMatch(k -> k.equalsIgnoreCase("X-Vigil-User"));
    assertThat(h.keySet()).noneMatch(k -> k.equalsIgnoreCase("X_Forwarded_User"));
    assertThat(h.get("X-vigil-assertion").get(0)).isNotEqualTo("forged");
  }

  @Test
  void forwardedRequest_carriesAVerifiableAssertionForTheRoute() throws Exception {
    raw("/info/x", "app.example");

    String token = seenHeaders.get(0).get("X-vigil-assertion").get(0);
    SignedJWT jwt = SignedJWT.parse(token);
    ECKey key = (ECKey) JWKSet.parse(assertion.jwks()).getKeyByKeyId(jwt.getHeader().getKeyID());
    assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly("app");
    assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isInTheFuture();
    assertThat(seenHeaders.get(0).get("X-vigil-decision-id").get(0)).isNotBlank();
  }

  @Test
  void monitorRoute_letsDenialThroughAndLogsItUnenforced() throws Exception {
    String[] r = raw("/private", "trial.example");

    assertThat(r[0]).isEqualTo("200");
    String id = seenHeaders.get(0).get("X-vigil-decision-id").get(0);
    Thread.sleep(300);
    DecisionRecord rec = new DecisionReader(store).get(id).orElseThrow();
    assertThat(rec.allowed()).isFalse();
    assertThat(rec.enforced()).isFalse();
    assertThat(rec.mode()).isEqualTo("monitor");
    assertThat(rec.route()).isEqualTo("trial");
  }

  @Test
  void nonBooleanAnswer_neverAllows_c16() throws Exception {
    assertThat(raw("/info/x", "odd.example")[0]).isEqualTo("401");
    assertThat(seen).isEmpty();
  }

  @Test
  void browserDenial_isAnHtmlPageWithTheDecisionIdOnly() throws Exception {
    String[] r = raw("/private", "app.example", "Accept: text/html");

    assertThat(r[1]).contains("<h1>Sign-in required</h1>").contains("Decision id:");
    assertThat(r[1]).doesNotContain("gw.rego").doesNotContain("input.request");
  }

  @Test
  void upstreamDown_is502NotAStackTrace() throws Exception {
    String[] r = raw("/info/x", "down.example");

    assertThat(r[0]).isEqualTo("502");
    assertThat(r[1]).contains("upstream_unavailable").doesNotContain("Exception");
  }

  @Test
  void jwks_servedAtWellKnownAddress() throws Exception {
    String[] r = raw("/.well-known/vigil/jwks.json", "app.example");

    assertThat(r[0]).isEqualTo("200");
    assertThat(r[1]).contains("\"kty\":\"EC\"").doesNotContain("\"d\":");
  }

  @Test
  void jwks_sendsAShortMaxAge_soThatAppsReadAWithdrawnKeyOutSoon() throws Exception {
    String[] r = raw(IdentityAssertion.JWKS_PATH, "app.example");

    assertThat(r[1].toLowerCase(Locale.ROOT))
        .contains("cache-control: max-age=" + IdentityAssertion.JWKS_MAX_AGE.toSeconds() + "\n");
    assertThat(IdentityAssertion.JWKS_MAX_AGE).isLessThan(EdgeGateway.ASSERTION_LIFETIME);
  }

  @ParameterizedTest
  @ValueSource(strings = {"<b>evil", "app.example/x", "a b", "app.example:99999x", "a@b"})
  void hostHeaderThatIsNoHost_refusedAndUpstreamNeverCalled(String host) throws Exception {
    String[] r = raw("/x", host);

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).contains("the Host header is not a host name").doesNotContain("<b>");
    assertThat(seen).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"app.example", "app.example:8080", "127.0.0.1:80", "[::1]:8080"})
  void hostHeaderWithPortOrAddress_isRouted(String host) throws Exception {
    assertThat(raw("/x", host)[0]).isNotEqualTo("400");
  }

  @Test
  void twoHostHeaders_refusedAndUpstreamNeverCalled() throws Exception {
    // RFC 9112 section 3.2: a proxy in front may route on the other Host than the gateway does.
    String[] r = raw("/x", "trial.example", "Host: app.example");

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).contains("more than one Host header");
    assertThat(seen).isEmpty();
  }
}
