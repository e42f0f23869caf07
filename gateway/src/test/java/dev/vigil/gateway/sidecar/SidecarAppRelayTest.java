package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The inbound listener's hop to the app on loopback, over real sockets: what the app is sent (the
 * client's Host, no hop-by-hop headers), keep-alive to the app, and the 502 when the app is down.
 * Callers come in plaintext on a PERMISSIVE port, which the policy lets through.
 */
class SidecarAppRelayTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final SpiffeId B = SpiffeId.parse("spiffe://prod.example/b");

  private static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := true
      """;

  @TempDir static Path tmp;
  static Store store;
  static Identities ids;
  static WorkloadAgent agent;
  static WorkloadCredentials creds;
  static HttpServer app;
  static final Set<Integer> appClientPorts = ConcurrentHashMap.newKeySet();
  static final Map<String, List<String>> seen = new ConcurrentHashMap<>();
  static Sidecar sidecar;

  /**
   * Holds the port of the app that is down: bound, never listening, so a connection to it is
   * refused, and no server started later (the failing h2c app below, another test's) is given it.
   * Regression: the port was closed before the h2c app was started on port 0, and when that app got
   * it, the caller of the app that is down had the h2c app's partial 200 instead of a 502.
   */
  static java.net.Socket deadPortHolder;

  /** Runs an h2c app that answers part of its body, then resets the stream. */
  static io.vertx.core.Vertx vertx;

  static io.vertx.core.http.HttpServer failingH2cApp;

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    ids.createEntry(B, List.of(Selector.parse("label:app-b")), null, List.of());
    Set<Selector> shown = Set.of(Selector.parse("label:app-b"));
    Attestor attestor = (pid, uid, gid) -> shown;
    agent =
        WorkloadAgent.start(
            tmp.resolve("b.sock"), ids, attestor, InstantSource.system(), Duration.ofMillis(200));
    creds = WorkloadCredentials.connect("unix:" + agent.socket(), Duration.ofSeconds(20));
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        ex -> {
          ex.getRequestHeaders().forEach((n, v) -> seen.put(n.toLowerCase(), List.copyOf(v)));
          appClientPorts.add(ex.getRemoteAddress().getPort());
          byte[] body = "app".getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("X-App", "kept");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    app.start();
    deadPortHolder = new java.net.Socket();
    deadPortHolder.bind(
        new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
    int deadPort = deadPortHolder.getLocalPort();
    vertx = io.vertx.core.Vertx.vertx();
    failingH2cApp =
        vertx
            .createHttpServer(
                new io.vertx.core.http.HttpServerOptions()
                    .setHost("127.0.0.1")
                    .setPort(0)
                    .setHttp2ClearTextEnabled(true))
            .requestHandler(
                r -> {
                  r.response().setChunked(true).write("part of it");
                  vertx.setTimer(200, t -> r.response().reset(Http2Relay.INTERNAL_ERROR));
                })
            .listen()
            .await(10, java.util.concurrent.TimeUnit.SECONDS);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "sc", Map.of("sidecar.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    sidecar =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        route(
                            "to-app",
                            URI.create("http://127.0.0.1:" + app.getAddress().getPort()))),
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        route("to-nothing", URI.create("http://127.0.0.1:" + deadPort))),
                    // A configuration mistake: app_protocol h2c for an app of HTTP/1.1 only.
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        route(
                            "h2c-to-http1",
                            URI.create("http://127.0.0.1:" + app.getAddress().getPort())),
                        SidecarConfig.AppProtocol.H2C),
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        route(
                            "h2c-fails",
                            URI.create("http://127.0.0.1:" + failingH2cApp.actualPort())),
                        SidecarConfig.AppProtocol.H2C)),
                List.of()),
            creds,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
  }

  private static Route route(String name, URI upstream) {
    return new Route(
        name, "*", "/", upstream, "sidecar/allow", Mode.ENFORCE, Map.of("service", "b"), null);
  }

  @AfterAll
  static void stop() {
    sidecar.close();
    app.stop(0);
    vertx.close();
    creds.close();
    agent.close();
    store.close();
    try {
      deadPortHolder.close();
    } catch (java.io.IOException e) {
      // Only the port's reservation: nothing is left to free.
    }
  }

  @BeforeEach
  void clear() {
    seen.clear();
    appClientPorts.clear();
  }

  /** Sends {@code head} (request line and headers, blank line included) and reads to the end. */
  private static String exchange(int port, String head) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void appIsSentTheClientsHost_andNoHopByHopHeaders() throws Exception {
    String answer =
        exchange(
            sidecar.port("to-app"),
            "GET /orders/1 HTTP/1.1\r\nHost: orders.internal:8443\r\nConnection: close\r\n"
                + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eA==\r\n"
                + "X-Kept: yes\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200").endsWith("app");
    assertThat(answer.toLowerCase()).contains("x-app: kept");
    assertThat(seen.get("host")).containsExactly("orders.internal:8443");
    assertThat(seen.get("x-kept")).containsExactly("yes");
    assertThat(seen.get("x-vigil-decision-id")).hasSize(1);
    assertThat(seen).doesNotContainKeys("connection", "keep-alive", "te", "proxy-authorization");
  }

  /**
   * Regression: a header the caller named in {@code Connection} (RFC 9110 §7.6.1: an option of its
   * connection to the sidecar only) went on to the app, while the sidecar's own identity header
   * could not be removed that way.
   */
  @Test
  void headersTheCallerNamesInConnection_notSentToTheApp() throws Exception {
    String answer =
        exchange(
            sidecar.port("to-app"),
            "GET /orders/1 HTTP/1.1\r\nHost: b\r\nConnection: close\r\n"
                + "Connection: X-Hop-Only, X-Vigil-Decision-Id\r\nX-Hop-Only: 1\r\n"
                + "X-Kept: yes\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 200");
    assertThat(seen.get("x-kept")).containsExactly("yes");
    assertThat(seen.get("x-vigil-decision-id")).hasSize(1);
    assertThat(seen).doesNotContainKeys("x-hop-only");
  }

  @Test
  void requestsInTurn_shareOneConnectionToTheApp() throws Exception {
    for (int i = 0; i < 5; i++) {
      String answer =
          exchange(
              sidecar.port("to-app"),
              "GET /k" + i + " HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");
      assertThat(answer).startsWith("HTTP/1.1 200");
    }
    assertThat(appClientPorts).hasSize(1);
  }

  @Test
  void appDown_is502WithTheSameBodyAsBefore() throws Exception {
    String answer =
        exchange(
            sidecar.port("to-nothing"), "GET /x HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");

    assertThat(answer).startsWith("HTTP/1.1 502");
    String id = answer.replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
    assertThat(answer)
        .contains("X-Vigil-Decision-Id: " + id)
        .endsWith(
            "{\"decision_id\":\""
                + id
                + "\",\"error\":\"upstream_unavailable\",\"message\":\"the app behind"
                + " to-nothing did not answer\"}");
  }

  /**
   * Regression: when the app could not be reached (down, or not speaking the configured {@code
   * app_protocol}), the caller got 502 "did not answer" and the sidecar's log held nothing that
   * named the listener, the app, its protocol or the cause, so the decision id led nowhere.
   */
  @Test
  void appSpeaksAnotherProtocolThanConfigured_502AndAWarningNamingAppProtocolAndCause()
      throws Exception {
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    Logger listenerLog = (Logger) LoggerFactory.getLogger(InboundListener.class);
    warnings.start();
    listenerLog.addAppender(warnings);
    try {
      String answer =
          exchange(
              sidecar.port("h2c-to-http1"),
              "GET /x HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n");

      assertThat(answer).startsWith("HTTP/1.1 502").contains("upstream_unavailable");
      String id = answer.replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
      assertThat(warnings.list)
          .map(ILoggingEvent::getFormattedMessage)
          .anySatisfy(
              m ->
                  assertThat(m)
                      .contains("listener=h2c-to-http1")
                      .contains("app=http://127.0.0.1:" + app.getAddress().getPort())
                      .contains("app_protocol=h2c")
                      .contains("decision_id=" + id)
                      .contains("reason="));
    } finally {
      listenerLog.detachAppender(warnings);
    }
  }

  /**
   * Regression: an h2c app that failed after its answer began had the caller's stream reset with
   * NO_ERROR, which tells an HTTP/2 client nothing went wrong (grpc-java read it as a retryable
   * UNAVAILABLE), and the failure left nothing in the log.
   */
  @Test
  void h2cAppFailsAfterItsAnswerBegan_callersStreamResetWithInternalErrorAndLogged()
      throws Exception {
    ListAppender<ILoggingEvent> warnings = new ListAppender<>();
    Logger relayLog = (Logger) LoggerFactory.getLogger(Http2Relay.class);
    warnings.start();
    relayLog.addAppender(warnings);
    io.vertx.core.http.HttpClient client =
        vertx.createHttpClient(
            new io.vertx.core.http.HttpClientOptions()
                .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    try {
      java.util.concurrent.CompletableFuture<Throwable> failure =
          new java.util.concurrent.CompletableFuture<>();
      client
          .request(io.vertx.core.http.HttpMethod.GET, sidecar.port("h2c-fails"), "127.0.0.1", "/x")
          .compose(io.vertx.core.http.HttpClientRequest::send)
          .onSuccess(
              resp -> {
                resp.exceptionHandler(failure::complete);
                resp.endHandler(v -> failure.complete(null));
              })
          .onFailure(failure::complete);

      Throwable e = failure.get(10, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(e).isInstanceOf(io.vertx.core.http.StreamResetException.class);
      assertThat(((io.vertx.core.http.StreamResetException) e).getCode())
          .isEqualTo(Http2Relay.INTERNAL_ERROR);
      assertThat(warnings.list)
          .map(ILoggingEvent::getFormattedMessage)
          .filteredOn(m -> m.contains("listener=h2c-fails"))
          .singleElement()
          .satisfies(m -> assertThat(m).contains("next hop failed").contains("Stream reset: 2"));
    } finally {
      client.close();
      relayLog.detachAppender(warnings);
    }
  }
}
