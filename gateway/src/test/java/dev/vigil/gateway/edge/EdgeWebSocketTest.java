package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** WebSockets pass the gateway only after the same checks as any request. */
class EdgeWebSocketTest {

  static Vertx vertx;
  static HttpServer upstream;
  static HttpServer greeter;

  /** Takes WebSockets and never reads a frame of them: a reader slower than any sender. */
  static HttpServer sink;

  static EdgeGateway gateway;
  static final List<String> upgrades = new CopyOnWriteArrayList<>();
  static HttpServer protocols;
  static final List<String> handshakes = new CopyOnWriteArrayList<>();
  static final AtomicInteger connections = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    upstream =
        vertx
            .createHttpServer()
            .webSocketHandler(
                ws -> {
                  upgrades.add(ws.path() + " decision=" + ws.headers().get("X-Vigil-Decision-Id"));
                  ws.textMessageHandler(m -> ws.writeTextMessage("echo: " + m));
                })
            .connectionHandler(c -> connections.incrementAndGet())
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    // Speaks one subprotocol of those graphql clients ask for, and records what the handshake
    // carried.
    protocols =
        vertx
            .createHttpServer(
                new HttpServerOptions().setWebSocketSubProtocols(List.of("graphql-transport-ws")))
            .webSocketHandler(
                ws -> {
                  handshakes.add(
                      "origin="
                          + ws.headers().get("Origin")
                          + " protocol="
                          + ws.headers().get("Sec-WebSocket-Protocol")
                          + " extensions="
                          + ws.headers().get("Sec-WebSocket-Extensions")
                          + " chosen="
                          + ws.subProtocol());
                  ws.textMessageHandler(m -> ws.writeTextMessage("echo: " + m));
                })
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    // Speaks first, as soon as the upgrade is done, like many push protocols.
    greeter =
        vertx
            .createHttpServer()
            .webSocketHandler(ws -> ws.writeTextMessage("welcome to " + ws.path()))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    sink =
        vertx
            .createHttpServer()
            .webSocketHandler(ServerWebSocket::pause)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "ws",
            Map.of(
                "ws.rego",
                ("package ws\nimport rego.v1\ndefault allow := false\n"
                        + "allow if startswith(input.request.path, \"/live/\")\n")
                    .getBytes(StandardCharsets.UTF_8))));
    Route route =
        new Route(
            "live",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.actualPort()),
            "ws/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    Route greeting =
        new Route(
            "greeting",
            "*",
            "/live/greeting",
            URI.create("http://127.0.0.1:" + greeter.actualPort()),
            "ws/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    Route based =
        new Route(
            "based",
            "*",
            "/live/based",
            URI.create("http://127.0.0.1:" + upstream.actualPort() + "/chat/"),
            "ws/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    Route graphql =
        new Route(
            "graphql",
            "*",
            "/live/graphql",
            URI.create("http://127.0.0.1:" + protocols.actualPort()),
            "ws/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    Route slow =
        new Route(
            "sink",
            "*",
            "/live/sink",
            URI.create("http://127.0.0.1:" + sink.actualPort()),
            "ws/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(
                    new RouteTable(List.of(greeting, based, graphql, slow, route))),
                pdp,
                new IdentityAssertion("vigil", Duration.ofSeconds(60), InstantSource.system()),
                InstantSource.system()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void allowedPath_upgradesAndPipesFrames_withTheDecisionId() throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/feed"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    reply.complete(data.toString());
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);

    ws.sendText("hello", true).get(5, TimeUnit.SECONDS);

    assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hello");
    assertThat(upgrades)
        .anySatisfy(u -> assertThat(u).startsWith("/live/feed decision=").doesNotEndWith("=null"));
    ws.abort();
  }

  /**
   * Regression: the relay wrote every frame on without looking at the other side's write queue, so
   * a client sending faster than its upstream read had all it sent held in the gateway's memory
   * (128 MiB here, as fast as the client could send). Now the client is held back at the pace of
   * its reader: what it gets to send is what the sockets' buffers and one write queue hold.
   */
  @Test
  void clientFasterThanItsUpstream_heldBackInsteadOfPilingUpInTheGateway() throws Exception {
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/sink"),
                new WebSocket.Listener() {})
            .get(10, TimeUnit.SECONDS);
    ByteBuffer frame = ByteBuffer.allocate(64 * 1024);
    AtomicLong sent = new AtomicLong();
    Thread sender =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    for (int i = 0; i < 2048; i++) {
                      ws.sendBinary(frame.duplicate(), true).get();
                      sent.addAndGet(frame.capacity());
                    }
                  } catch (Exception e) {
                    // Aborted below once it stopped moving.
                  }
                });

    // Until it has sent all, or has sent nothing more for two seconds.
    long seen = -1;
    while (sender.isAlive() && sent.get() != seen) {
      seen = sent.get();
      sender.join(2_000);
    }

    assertThat(sent.get()).isLessThan(48L * 1024 * 1024);
    ws.abort();
  }

  /**
   * Regression: a message the upstream sent right after its upgrade, before the client's side was
   * upgraded, could be dropped (it was, about one run in four, over mutual TLS in
   * UpstreamMtlsTest).
   */
  @Test
  void upstreamSpeaksFirst_firstMessageReachesTheClient() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/greeting/room"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    first.complete(data.toString());
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);

    assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo("welcome to /live/greeting/room");
    ws.abort();
  }

  /** Regression: the path of the upstream URL was put before HTTP requests but not WebSockets. */
  @Test
  void upstreamUrlWithPath_upgradeGoesUnderThatPath() throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/based/feed?x=1"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    reply.complete(data.toString());
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);

    ws.sendText("hi", true).get(5, TimeUnit.SECONDS);

    assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: hi");
    assertThat(upgrades).anySatisfy(u -> assertThat(u).startsWith("/chat/live/based/feed "));
    ws.abort();
  }

  @Test
  void deniedPath_neverReachesTheUpstream() {
    int before = upgrades.size();

    assertThatThrownBy(
            () ->
                HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(
                        URI.create("ws://127.0.0.1:" + gateway.port() + "/admin/feed"),
                        new WebSocket.Listener() {})
                    .get(10, TimeUnit.SECONDS))
        .hasStackTraceContaining("401");
    assertThat(upgrades).hasSize(before);
  }

  /**
   * Regression: the upgrade sent upstream carried neither the client's {@code Origin} (an app that
   * checks it against cross-site WebSocket hijacking saw the upstream's own address, or nothing)
   * nor its {@code Sec-WebSocket-Protocol}; the client's side was then accepted without a
   * subprotocol, which clients that asked for one (graphql-ws, STOMP, MQTT) refuse. The app gets
   * both, and the client the subprotocol the app chose, not merely the first it offered.
   */
  @Test
  void upgrade_originAndSubprotocols_reachTheApp_andItsChoiceReachesTheClient() throws Exception {
    handshakes.clear();
    CompletableFuture<String> reply = new CompletableFuture<>();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .header("Origin", "https://app.example")
            .subprotocols("graphql-ws", "graphql-transport-ws")
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/graphql"),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    reply.complete(data.toString());
                    return null;
                  }
                })
            .get(10, TimeUnit.SECONDS);

    ws.sendText("{}", true).get(5, TimeUnit.SECONDS);

    assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: {}");
    assertThat(ws.getSubprotocol()).isEqualTo("graphql-transport-ws");
    assertThat(handshakes)
        .singleElement()
        .asString()
        .startsWith("origin=https://app.example protocol=graphql-ws,graphql-transport-ws ")
        .endsWith(" chosen=graphql-transport-ws");
    ws.abort();
  }

  /**
   * A client without {@code Origin} (not a browser) reaches the app without one: the gateway does
   * not make one up from the upstream's address, which would pass an app's same-origin check.
   */
  @Test
  void upgrade_withoutOrigin_theAppGetsNone() throws Exception {
    handshakes.clear();
    WebSocket ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + "/live/graphql"),
                new WebSocket.Listener() {})
            .get(10, TimeUnit.SECONDS);

    assertThat(handshakes).singleElement().asString().startsWith("origin=null protocol=null ");
    assertThat(ws.getSubprotocol()).isEmpty();
    ws.abort();
  }

  /**
   * Compression is the gateway's to agree with its client, frame by frame on its own hop: the
   * client's {@code Sec-WebSocket-Extensions} is not passed to the app (whose compressed frames the
   * client would then be sent without having agreed to them), and messages still go through both
   * ways.
   */
  @Test
  void upgrade_clientAsksForCompression_theGatewayHonoursIt_andTheAppIsNotOffered()
      throws Exception {
    handshakes.clear();
    Vertx client = Vertx.vertx();
    try {
      // Held until the end: Vert.x closes a client nothing references any more when the collector
      // finds it, which cut this handshake whenever a collection came before its answer.
      WebSocketClient wsClient =
          client.createWebSocketClient(
              new WebSocketClientOptions().setTryUsePerMessageCompression(true));
      var ws =
          wsClient
              .connect(
                  new WebSocketConnectOptions()
                      .setHost("127.0.0.1")
                      .setPort(gateway.port())
                      .setURI("/live/graphql"))
              .await(10, TimeUnit.SECONDS);
      CompletableFuture<String> reply = new CompletableFuture<>();
      ws.textMessageHandler(reply::complete);

      ws.writeTextMessage("compressed " + "x".repeat(2000)).await(5, TimeUnit.SECONDS);

      assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo("echo: compressed " + "x".repeat(2000));
      assertThat(ws.headers().get("Sec-WebSocket-Extensions")).startsWith("permessage-deflate");
      assertThat(handshakes).singleElement().asString().contains(" extensions=null ");
      wsClient.close().await(10, TimeUnit.SECONDS);
    } finally {
      client.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * Regression: a {@code POST} (or any method but GET) asking for a WebSocket was decided and the
   * upstream's WebSocket opened, and only then was the client's upgrade found invalid (400). It is
   * refused before policy and before any upstream work (RFC 6455 §4.1: the upgrade is a GET).
   */
  @ParameterizedTest
  @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PURGE"})
  void upgrade_notAGet_refused400_beforeTheUpstreamIsContacted(String method) throws Exception {
    int before = connections.get();

    String r =
        raw(
            method
                + " /live/feed HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nConnection: close\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n");

    assertThat(r).startsWith("HTTP/1.1 400 ").contains("GET");
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
    assertThat(connections.get()).isEqualTo(before);
  }

  /**
   * A GET that asks for a WebSocket without the rest of a handshake (no {@code Connection:
   * Upgrade}, no key, another version) is refused 400 after policy but before the upstream is
   * contacted, rather than once the app's WebSocket is open.
   */
  @ParameterizedTest
  @ValueSource(strings = {"no-connection", "no-key", "version-8"})
  void upgrade_incompleteHandshake_refused400_beforeTheUpstreamIsContacted(String kind)
      throws Exception {
    int before = connections.get();
    String head =
        "GET /live/feed HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\n"
            + (kind.equals("no-connection") ? "" : "Connection: Upgrade\r\n")
            + "Connection: close\r\n"
            + (kind.equals("no-key") ? "" : "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
            + "Sec-WebSocket-Version: "
            + (kind.equals("version-8") ? "8" : "13")
            + "\r\n\r\n";

    String r = raw(head);

    assertThat(r).startsWith("HTTP/1.1 400 ").contains("Sec-WebSocket-Version: 13");
    assertThat(r.toLowerCase(java.util.Locale.ROOT))
        .containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
    assertThat(connections.get()).isEqualTo(before);
  }

  /**
   * Regression: a handshake whose {@code Connection: Upgrade} came in a second field, after one
   * naming another option, passed the gateway's check and policy, had the app's WebSocket opened,
   * and was then refused 400 by the listener, which read the first field only. It is accepted.
   */
  @Test
  void upgrade_upgradeInASecondConnectionField_accepted() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /live/feed HTTP/1.1\r\nHost: app.example\r\nUpgrade: websocket\r\n"
                      + "Connection: keep-alive\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      + "Sec-WebSocket-Version: 13\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      for (int c; (c = s.getInputStream().read()) >= 0; ) {
        head.write(c);
        if (head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
          break;
        }
      }

      assertThat(head.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 101 ");
    }
  }

  /** Writes the bytes and reads the answer until the gateway closes the connection. */
  private static String raw(String bytes) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (java.net.SocketTimeoutException e) {
        throw new AssertionError("the connection stayed open; read so far: " + got, e);
      } catch (IOException e) {
        // A reset after the answer still ends the connection.
      }
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
