package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression: the upgrade the edge sent to the app for a WebSocket carried none of the client's
 * other headers (its cookies, {@code Authorization}, the app's own headers), and of the gateway's
 * identity headers only the user and the decision id, with an assertion without the session's
 * claims. It is relayed as a plain request is: the same end-to-end headers of the client pass, the
 * same hop-by-hop, reserved and gateway-set ones do not, and the gateway's identity headers are
 * added. One Vert.x app records the head of a plain request and of an upgrade sent with the same
 * client headers over raw sockets.
 */
class EdgeWebSocketHeadersTest {

  static Vertx vertx;
  static HttpServer app;
  static EdgeGateway gateway;
  static DecisionPoint pdp;
  static String sessionCookie;
  static volatile CompletableFuture<MultiMap> plain = new CompletableFuture<>();
  static volatile CompletableFuture<MultiMap> upgrade = new CompletableFuture<>();

  /**
   * The client's headers, sent with both requests; each adds a {@code Connection} naming {@code
   * X-Hop-Only}, and the upgrade its handshake's fields.
   */
  static String clientHeaders() {
    return "Host: app.example\r\n"
        + "Cookie: app_pref=dark; "
        + sessionCookie
        + "\r\n"
        + "Authorization: Basic YXBwOmtleQ==\r\n"
        + "X-App-Trace: t-1\r\n"
        + "Origin: http://app.example\r\n"
        + "X-Hop-Only: 1\r\n"
        + "Keep-Alive: timeout=5\r\n"
        + "X-Vigil-User: mallory\r\n"
        + "X-Vigil-Email: mallory@example.com\r\n"
        + "X-Amzn-Oidc-Identity: mallory\r\n"
        + "Remote-User: mallory\r\n"
        + "X-Forwarded-For: 203.0.113.9\r\n"
        + "X-Forwarded-Host: evil.example\r\n";
  }

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    app =
        vertx
            .createHttpServer()
            .requestHandler(
                req -> {
                  if ("websocket".equalsIgnoreCase(req.getHeader("Upgrade"))) {
                    MultiMap heads = MultiMap.caseInsensitiveMultiMap().addAll(req.headers());
                    req.toWebSocket().onSuccess(ws -> upgrade.complete(heads));
                    return;
                  }
                  plain.complete(MultiMap.caseInsensitiveMultiMap().addAll(req.headers()));
                  req.response().end("ok");
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow if input.user.id == \"dave\"\n");
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave",
                    "dave@example.com",
                    List.of("admin"),
                    List.of("ops", "dev"),
                    PasswordHash.hash("pw"),
                    null)),
            Fixtures.sessions(clock),
            clock);
    Route route = Fixtures.appRoute(app.actualPort());
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
    HttpResponse<String> signIn =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/auth/login"))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"username\":\"dave\",\"password\":\"pw\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(signIn.statusCode()).isEqualTo(200);
    sessionCookie =
        signIn.headers().allValues("Set-Cookie").stream()
            .filter(c -> c.startsWith(SessionCodec.COOKIE + "="))
            .map(c -> c.substring(0, c.indexOf(';')))
            .findFirst()
            .orElseThrow();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    pdp.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void upgrade_carriesTheHeadersAPlainRequestCarries() throws Exception {
    plain = new CompletableFuture<>();
    upgrade = new CompletableFuture<>();

    String answer =
        exchange(
            "GET /page HTTP/1.1\r\n" + clientHeaders() + "Connection: X-Hop-Only, close\r\n\r\n");
    String handshake =
        exchange(
            "GET /page HTTP/1.1\r\n"
                + clientHeaders()
                + "Upgrade: websocket\r\nConnection: Upgrade, X-Hop-Only\r\n"
                + "Sec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString("0123456789abcdef".getBytes())
                + "\r\nSec-WebSocket-Version: 13\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200 ");
    assertThat(handshake).startsWith("HTTP/1.1 101 ");
    MultiMap p = plain.get(10, TimeUnit.SECONDS);
    MultiMap u = upgrade.get(10, TimeUnit.SECONDS);
    // Every header the plain request brought the app, the upgrade brings too, and nothing else
    // but the handshake's own.
    Set<String> handshakeOwn =
        Set.of(
            "upgrade",
            "connection",
            "sec-websocket-key",
            "sec-websocket-version",
            "content-length");
    assertThat(names(u, handshakeOwn)).isEqualTo(names(p, handshakeOwn));
    for (MultiMap heads : List.of(p, u)) {
      assertThat(heads.getAll("Cookie")).containsExactly("app_pref=dark");
      assertThat(heads.get("Authorization")).isEqualTo("Basic YXBwOmtleQ==");
      assertThat(heads.get("X-App-Trace")).isEqualTo("t-1");
      assertThat(heads.get("Origin")).isEqualTo("http://app.example");
      assertThat(heads.getAll("X-Vigil-User")).containsExactly("dave");
      assertThat(heads.getAll("X-Vigil-Email")).containsExactly("dave@example.com");
      assertThat(heads.getAll("X-Vigil-Groups")).containsExactly("ops,dev");
      assertThat(heads.get("X-Vigil-Decision-Id")).matches("[0-9a-f-]{36}");
      assertThat(heads.getAll("X-Forwarded-For")).containsExactly("127.0.0.1");
      assertThat(heads.getAll("X-Forwarded-Host")).containsExactly("app.example");
      assertThat(heads.get("X-Vigil-Assertion")).isNotBlank();
      assertThat(claims(heads.get("X-Vigil-Assertion")))
          .contains("\"email\":\"dave@example.com\"")
          .contains("\"sub\":\"dave\"");
      assertThat(heads.names())
          .map(n -> n.toLowerCase(Locale.ROOT))
          .doesNotContain("x-hop-only", "keep-alive", "x-amzn-oidc-identity", "remote-user");
    }
  }

  /** The lower-case names of {@code heads}, less those of {@code except}. */
  private static Set<String> names(MultiMap heads, Set<String> except) {
    Set<String> out = new TreeSet<>();
    for (String n : heads.names()) {
      String lower = n.toLowerCase(Locale.ROOT);
      if (!except.contains(lower)) {
        out.add(lower);
      }
    }
    return out;
  }

  /** The JSON of a compact JWS's payload. */
  private static String claims(String jws) {
    return new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]), StandardCharsets.UTF_8);
  }

  /** Writes the bytes and reads the answer's head (and what came with it). */
  private static String exchange(String bytes) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      int c;
      while ((c = in.read()) >= 0) {
        got.write(c);
        if (got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          break;
        }
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
