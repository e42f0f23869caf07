package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A provider that answers slowly, over a real socket: every call to it (discovery, keys, token
 * exchange and refresh) is held to one deadline for the whole exchange, not a timeout per read, so
 * a provider that stalls or sends its answer a byte at a time cannot hold a sign-in, a refresh or
 * the worker that runs it for ever.
 */
class ProviderDeadlineTest {

  static final Duration DEADLINE = Duration.ofSeconds(2);
  static final Duration BOUND = Duration.ofSeconds(20);

  HttpServer server;
  String issuer;
  final CountDownLatch released = new CountDownLatch(1);
  final AtomicReference<String> discoveryMode = new AtomicReference<>("ok");
  final InstantSource clock = () -> Instant.parse("2026-12-05T12:00:00Z");

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/idp";
    server.createContext(
        "/idp/.well-known/openid-configuration",
        ex -> {
          if (discoveryMode.get().equals("drip")) {
            drip(ex, document());
          } else {
            answer(ex, document());
          }
        });
    // The keys come one byte every half second: each read is quick, the whole never ends.
    server.createContext("/idp/jwks", ex -> drip(ex, "{\"keys\":[]}" + " ".repeat(1000)));
    // The token endpoint takes the request and never answers.
    server.createContext("/idp/token", ex -> stall(ex));
    server.start();
  }

  @AfterEach
  void stop() {
    released.countDown();
    server.stop(0);
  }

  @Test
  void callback_tokenEndpointNeverAnswers_failsWithinTheDeadline() throws IOException {
    OidcLogin login = login();
    OidcLogin.Start st = login.start("/");
    String state = param(st.authorizationUrl(), "state");

    assertTimeoutPreemptively(
        BOUND,
        () ->
            assertThatThrownBy(() -> login.callback("a-code", state, st.cookieValue()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("/idp/token")
                .hasMessageContaining("did not answer within 2 s"));
  }

  @Test
  void refresh_tokenEndpointNeverAnswers_failsWithinTheDeadline() throws IOException {
    OidcLogin login = login();
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    Session s =
        codec.start(
            new LocalUser("alice", "", List.of(), List.of(), "", null),
            List.of("pwd"),
            "",
            false,
            0,
            "default",
            "a-refresh-token",
            1);

    assertTimeoutPreemptively(
        BOUND,
        () ->
            assertThatThrownBy(() -> login.refresh(s))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("did not answer within 2 s"));
  }

  @Test
  void metadata_discoverySentAByteAtATime_failsWithinTheDeadline() {
    discoveryMode.set("drip");
    OidcDiscovery d = new OidcDiscovery(config(), clock, new ProviderHttp(DEADLINE));

    assertTimeoutPreemptively(
        BOUND,
        () ->
            assertThatThrownBy(d::metadata)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("OIDC discovery at " + issuer + " failed")
                .hasMessageContaining("did not answer within 2 s"));
  }

  @Test
  void keys_jwksSentAByteAtATime_noKeyWithinTheDeadline() throws IOException {
    OidcDiscovery d = new OidcDiscovery(config(), clock, new ProviderHttp(DEADLINE));
    d.metadata();

    assertTimeoutPreemptively(
        BOUND,
        () ->
            assertThatThrownBy(
                    () ->
                        d.keys()
                            .get(
                                new JWKSelector(new JWKMatcher.Builder().keyID("k1").build()),
                                null))
                .isInstanceOf(KeySourceException.class)
                .hasMessageContaining("could not be read")
                .hasMessageContaining("did not answer within 2 s"));
  }

  @Test
  void metadata_answerLargerThanTheLimit_refusedSayingSo() {
    discoveryMode.set("ok");
    server.removeContext("/idp/.well-known/openid-configuration");
    server.createContext(
        "/idp/.well-known/openid-configuration",
        ex -> answer(ex, "{\"issuer\":\"" + issuer + "\"," + " ".repeat(600 * 1024) + "}"));
    OidcDiscovery d = new OidcDiscovery(config(), clock, new ProviderHttp(DEADLINE));

    assertThatThrownBy(d::metadata)
        .isInstanceOf(IOException.class)
        .hasMessageContaining("larger than 524288 bytes");
  }

  @Test
  void metadata_providerDown_refusalSaysTheConnectionFailed() throws IOException {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, null)) {
      closed = s.getLocalPort();
    }
    String down = "http://127.0.0.1:" + closed + "/idp";
    OidcDiscovery d =
        new OidcDiscovery(
            new OidcLogin.Config(
                URI.create(down),
                "gw",
                "s",
                URI.create("http://gw/auth/callback"),
                List.of("RS256")),
            clock,
            new ProviderHttp(DEADLINE));

    assertThatThrownBy(d::metadata)
        .isInstanceOf(IOException.class)
        .hasMessageContaining(down + "/.well-known/openid-configuration: ConnectException");
  }

  private OidcLogin login() {
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    return new OidcLogin(config(), codec, clock, DEADLINE);
  }

  private OidcLogin.Config config() {
    return new OidcLogin.Config(
        URI.create(issuer), "gw", "s", URI.create("http://gw/auth/callback"), List.of("RS256"));
  }

  private String document() {
    return "{\"issuer\":\""
        + issuer
        + "\",\"authorization_endpoint\":\""
        + issuer
        + "/authorize\",\"token_endpoint\":\""
        + issuer
        + "/token\",\"jwks_uri\":\""
        + issuer
        + "/jwks\",\"response_types_supported\":[\"code\"],"
        + "\"subject_types_supported\":[\"public\"],"
        + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
  }

  private static String param(URI uri, String name) {
    for (String kv : uri.getRawQuery().split("&")) {
      if (kv.startsWith(name + "=")) {
        return URLDecoder.decode(kv.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    throw new AssertionError("no " + name + " in " + uri);
  }

  private static void answer(HttpExchange ex, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  private void drip(HttpExchange ex, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      for (byte b : body) {
        os.write(b);
        os.flush();
        if (released.await(500, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException | IOException e) {
      // The gateway gave up: what the test wants.
    }
  }

  private void stall(HttpExchange ex) {
    try {
      ex.getRequestBody().readAllBytes();
      released.await();
    } catch (InterruptedException | IOException e) {
      // Released at the end of the test.
    }
    ex.close();
  }
}
