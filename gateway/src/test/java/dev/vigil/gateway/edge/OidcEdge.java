package dev.vigil.gateway.edge;

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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;

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

  @Override
  public void close() {
    gateway.close();
    upstream.stop(0);
    idp.shutdown();
  }
}
