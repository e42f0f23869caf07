package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;

/**
 * An edge gateway whose users sign in through a real OIDC provider (mock-oauth2-server, client
 * {@code vigil-gw}, RS256), with one enforcing route {@code prod-app} guarded by the v0 example
 * policy (examples/authz) in front of an upstream that answers {@code hello <X-Vigil-User>}.
 */
record OidcEdge(MockOAuth2Server idp, HttpServer upstream, EdgeGateway gateway, int port)
    implements AutoCloseable {

  /** Activates the example policy on {@code pdp} and starts the provider, upstream and gateway. */
  static OidcEdge start(DecisionPoint pdp) throws Exception {
    MockOAuth2Server idp = new MockOAuth2Server();
    idp.start(InetAddress.getLoopbackAddress(), 0);
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        ex -> {
          byte[] body =
              ("hello " + ex.getRequestHeaders().getFirst("X-Vigil-User"))
                  .getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    upstream.start();
    pdp.activate(
        BundleReader.fromFiles(
            "authz",
            Map.of("authz.rego", Files.readAllBytes(Path.of("../examples/authz/authz.rego")))));
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    SessionCodec sessions =
        new SessionCodec(
            SessionCodec.newKey(),
            Duration.ofMinutes(30),
            Duration.ofHours(8),
            InstantSource.system());
    OidcLogin oidc =
        new OidcLogin(
            new OidcLogin.Config(
                URI.create(idp.issuerUrl("default").toString()),
                "vigil-gw",
                "secret",
                URI.create("http://127.0.0.1:" + port + "/auth/callback"),
                List.of("RS256")),
            sessions,
            InstantSource.system());
    Route route =
        new Route(
            "prod-app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "authz/allow",
            Mode.ENFORCE,
            Map.of("environment", "production"),
            null);
    EdgeGateway gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    port,
                    new AtomicReference<>(new RouteTable(List.of(route))),
                    pdp,
                    new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                    InstantSource.system())
                .withLocalUsers(
                    new LocalAuthenticator(List.of(), sessions, InstantSource.system()), oidc));
    return new OidcEdge(idp, upstream, gateway, port);
  }

  /** Sends a browser's GET (it accepts HTML). */
  static HttpResponse<String> get(HttpClient c, String url) throws Exception {
    return c.send(
        HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html").build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String location(HttpResponse<String> r) {
    return r.headers().firstValue("Location").orElseThrow();
  }

  /** The gateway's URL of {@code path}; an absolute URL stays as it is. */
  String gw(String path) {
    return path.startsWith("http") ? path : "http://127.0.0.1:" + port + path;
  }

  /** Walks the browser from a protected page to the provider and back to the callback URL. */
  String callbackUrl(HttpClient browser, String subject, List<String> roles) throws Exception {
    HttpResponse<String> first = get(browser, gw("/reports"));
    assertThat(first.statusCode()).isEqualTo(302);
    assertThat(location(first)).startsWith("/auth/start?rd=");
    HttpResponse<String> start = get(browser, gw(location(first)));
    assertThat(start.statusCode()).isEqualTo(302);
    assertThat(location(start))
        .contains("code_challenge_method=S256")
        .contains("nonce=")
        .contains("state=");
    idp.enqueueCallback(
        new DefaultOAuth2TokenCallback(
            "default",
            subject,
            "JWT",
            List.of("vigil-gw"),
            Map.of("roles", roles, "amr", List.of("pwd", "otp")),
            3600));
    HttpResponse<String> authorize = get(browser, location(start));
    assertThat(authorize.statusCode()).isEqualTo(302);
    return location(authorize);
  }

  /** A client that keeps cookies, as a browser does. */
  static HttpClient browser() {
    return HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
  }

  @Override
  public void close() {
    gateway.close();
    upstream.stop(0);
    idp.shutdown();
  }
}
