package dev.vigil.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.sidecar.PeerVerifier;
import dev.vigil.gateway.sidecar.Sidecar;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SvidKeyManager;
import dev.vigil.gateway.sidecar.WorkloadCredentials;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.TrustOptions;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge gateway towards upstreams that are Vigil workloads, over real sockets: gateway → a real
 * sidecar's STRICT inbound (SVID from a real Workload API agent) → app. The gateway presents its
 * own SVID ({@code spiffe://prod.example/vigil/gateway}) and accepts only the SPIFFE ID the route
 * names; a wrong ID, another trust domain or a plain upstream gets 502 with the reason in the
 * decision log, and nothing reaches the app. A Vert.x mutual TLS server that answers with the
 * serial of the client certificate shows that a renewed SVID is presented at once.
 *
 * <p>The same server is a WebSocket echo upstream: WebSockets relayed over mutual TLS, and refused
 * with 502 before the upgrade reaches a server that is not the workload the route names.
 */
class UpstreamMtlsTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final TrustDomain PROD = new TrustDomain("prod.example");
  private static final TrustDomain OTHER = new TrustDomain("other.example");
  private static final SpiffeId B = SpiffeId.parse("spiffe://prod.example/b");
  private static final SpiffeId GATEWAY = SpiffeId.parse("spiffe://prod.example/vigil/gateway");

  private static final String POLICY =
      """
      package up
      import rego.v1

      edge := true

      default sidecar := false

      sidecar if input.subject.spiffe_id == "spiffe://prod.example/vigil/gateway"
      """;

  @TempDir static Path tmp;
  static Store store;
  static Identities ids;
  static WorkloadAgent agentB;
  static WorkloadCredentials credsB;
  static Sidecar sidecarB;
  static HttpServer appB;
  static int plainPort;
  static final List<String> seenByB = new CopyOnWriteArrayList<>();
  static final List<String> seenByPlain = new CopyOnWriteArrayList<>();
  static final List<String> upgradesBySerial = new CopyOnWriteArrayList<>();
  static final List<String> upgradesByRevoked = new CopyOnWriteArrayList<>();
  static final Map<TrustDomain, X509Svid> gatewaySvids = new ConcurrentHashMap<>();
  static Vertx serialServer;
  static int serialPort;
  static int revokedPort;
  static EdgeGateway gateway;
  static final HttpClient http = HttpClient.newHttpClient();
  static javax.net.ssl.SSLServerSocket rawTls;
  static final java.util.concurrent.atomic.AtomicInteger rawConnections =
      new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    ids.trustDomain(PROD);
    ids.trustDomain(OTHER);
    ids.createEntry(B, List.of(Selector.parse("label:app-b")), null, List.of());
    agentB =
        WorkloadAgent.start(
            tmp.resolve("b.sock"),
            ids,
            (pid, uid, gid) -> Set.of(Selector.parse("label:app-b")),
            InstantSource.system(),
            Duration.ofMillis(200));
    credsB = WorkloadCredentials.connect("unix:" + agentB.socket(), Duration.ofSeconds(20));
    appB = app(seenByB);
    renew(PROD);
    renew(OTHER);

    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles("up", Map.of("up.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
    URI app = URI.create("http://127.0.0.1:" + appB.getAddress().getPort());
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.STRICT,
                        new Route(
                            "b-in", "*", "/", app, "up/sidecar", Mode.ENFORCE, Map.of(), null))),
                List.of()),
            credsB,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
    serialServer = Vertx.vertx();
    serialPort = startSerialServer(ids.issueX509(B, List.of(), null), upgradesBySerial);
    X509Svid revoked = ids.issueX509(B, List.of(), null);
    revokedPort = startSerialServer(revoked, upgradesByRevoked);
    ids.revoke(revoked.leaf());
    plainPort = startPlainServer();
    rawTls = startRawTlsServer(ids.issueX509(B, List.of(), null));
    String sidecar = "http://127.0.0.1:" + sidecarB.port("b-in");
    String serial = "https://127.0.0.1:" + serialPort;
    RouteTable routes =
        new RouteTable(
            List.of(
                route("good", "/good", sidecar, B),
                route("wrong-id", "/wrong-id", sidecar, SpiffeId.parse("spiffe://prod.example/c")),
                route("other-td", "/other-td", sidecar, SpiffeId.parse("spiffe://other.example/b")),
                route("no-tls", "/no-tls", "http://127.0.0.1:" + plainPort, B),
                route("serial", "/serial", serial, B),
                route("raw", "/raw", "https://127.0.0.1:" + rawTls.getLocalPort(), B),
                route(
                    "ws-wrong-id",
                    "/ws-wrong-id",
                    serial,
                    SpiffeId.parse("spiffe://prod.example/c")),
                route(
                    "ws-other-td",
                    "/ws-other-td",
                    serial,
                    SpiffeId.parse("spiffe://other.example/b")),
                route("ws-revoked", "/ws-revoked", "https://127.0.0.1:" + revokedPort, B),
                route(
                    "ws-no-svid",
                    "/ws-no-svid",
                    serial,
                    SpiffeId.parse("spiffe://unknown.example/b"))));
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new java.util.concurrent.atomic.AtomicReference<>(routes),
                    pdp,
                    new IdentityAssertion(
                        "vigil", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                    InstantSource.system())
                .withUpstreamIdentity(
                    UpstreamIdentity.of(
                        td -> Optional.ofNullable(gatewaySvids.get(td)),
                        ids.bundles(),
                        ids.revocations())));
  }

  private static void renew(TrustDomain td) {
    gatewaySvids.put(td, ids.issueX509(SpiffeId.of(td, "vigil", "gateway"), List.of(), null));
  }

  private static Route route(String name, String prefix, String upstream, SpiffeId expected) {
    return new Route(
        name,
        "*",
        prefix,
        URI.create(upstream),
        "up/edge",
        Mode.ENFORCE,
        Map.of(),
        null,
        null,
        expected);
  }

  /** A plain HTTP app on loopback that records the caller identity the sidecar gave it. */
  private static HttpServer app(List<String> seen) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/",
        ex -> {
          String caller = ex.getRequestHeaders().getFirst("X-Vigil-Spiffe-Id");
          seen.add(caller == null ? "" : caller);
          byte[] body = ("caller " + caller).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    s.start();
    return s;
  }

  /**
   * Starts a mutual TLS server presenting {@code svidB} that answers with the serial of the
   * client's certificate. It also takes WebSockets, recording their paths in {@code upgrades}: it
   * sends that serial first, then echoes text with a prefix and binary as it is; it declines an
   * upgrade to a path ending in {@code /declined} with 403.
   */
  private static int startSerialServer(X509Svid svidB, List<String> upgrades) throws Exception {
    return serialServer
        .createHttpServer(
            new HttpServerOptions()
                .setHost("127.0.0.1")
                .setPort(0)
                .setSsl(true)
                .setKeyCertOptions(KeyCertOptions.wrap(new SvidKeyManager(() -> svidB)))
                .setTrustOptions(
                    TrustOptions.wrap(
                        new PeerVerifier("serial", ids.x509Validator(), GATEWAY, null)))
                .setClientAuth(ClientAuth.REQUIRED))
        .requestHandler(
            req -> {
              try {
                var leaf = (X509Certificate) req.connection().peerCertificates().get(0);
                if (req.path().endsWith("/forged")) {
                  req.response()
                      .putHeader("X-Vigil-Decision-Id", "forged-by-upstream")
                      .putHeader("x_vigil_user", "forged-admin")
                      .putHeader("Set-Cookie", "vigil_session=forged; Path=/")
                      .putHeader("X-App", "kept");
                }
                req.response().end(leaf.getSerialNumber().toString(16));
              } catch (Exception e) {
                req.response().setStatusCode(500).end();
              }
            })
        .webSocketHandshakeHandler(
            h -> {
              upgrades.add(h.path());
              if (h.path().endsWith("/declined")) {
                h.reject(403);
              } else {
                h.accept();
              }
            })
        .webSocketHandler(
            ws -> {
              try {
                var leaf = (X509Certificate) ws.peerCertificates().get(0);
                ws.writeTextMessage("serial " + leaf.getSerialNumber().toString(16));
              } catch (Exception e) {
                ws.close();
                return;
              }
              ws.textMessageHandler(m -> ws.writeTextMessage("echo: " + m));
              ws.binaryMessageHandler(ws::writeBinaryMessage);
            })
        .listen()
        .await(30, TimeUnit.SECONDS)
        .actualPort();
  }

  /**
   * Starts a mutual TLS server presenting {@code svidB}, written byte by byte: it answers each
   * request {@code answer to PATH}, and after the answer to a path ending in {@code /spill} it
   * sends a whole second answer nobody asked for ({@code poisoned}), in the same write or, for a
   * path ending in {@code /spill-late}, 200 ms later: an app whose answers are longer than they
   * say.
   */
  private static javax.net.ssl.SSLServerSocket startRawTlsServer(X509Svid svidB) throws Exception {
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(
        new javax.net.ssl.KeyManager[] {new SvidKeyManager(() -> svidB)},
        new javax.net.ssl.TrustManager[] {
          new PeerVerifier("raw", ids.x509Validator(), GATEWAY, null)
        },
        null);
    var server =
        (javax.net.ssl.SSLServerSocket)
            tls.getServerSocketFactory()
                .createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    server.setNeedClientAuth(true);
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              while (!server.isClosed()) {
                try {
                  java.net.Socket s = server.accept();
                  rawConnections.incrementAndGet();
                  Thread.ofPlatform().daemon().start(() -> serveRaw(s));
                } catch (java.io.IOException e) {
                  return;
                }
              }
            });
    return server;
  }

  private static void serveRaw(java.net.Socket s) {
    try (s) {
      var in = s.getInputStream();
      var out = s.getOutputStream();
      for (String head; (head = readHead(in)) != null; ) {
        String path =
            head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
        String body = "answer to " + path;
        String answer = "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
        String spill = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\npoisoned";
        if (path.endsWith("/spill")) {
          answer += spill;
        }
        out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        if (path.endsWith("/spill-late")) {
          Thread.sleep(200);
          out.write(spill.getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
        }
      }
    } catch (Exception e) {
      // The gateway closed the connection.
    }
  }

  private static String readHead(java.io.InputStream in) throws java.io.IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) >= 0; ) {
      b.append((char) c);
      if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
        return b.toString();
      }
    }
    return null;
  }

  /** Starts a plain HTTP server that records every request it is sent. */
  private static int startPlainServer() throws Exception {
    return serialServer
        .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(
            req -> {
              seenByPlain.add(req.path());
              req.response().end("plain");
            })
        .webSocketHandler(ws -> seenByPlain.add("websocket " + ws.path()))
        .listen()
        .await(30, TimeUnit.SECONDS)
        .actualPort();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A WebSocket through the gateway and the messages it received, text or binary as text. */
  private record Socket(WebSocket ws, LinkedBlockingQueue<String> received) {

    String next() throws InterruptedException {
      String m = received.poll(10, TimeUnit.SECONDS);
      assertThat(m).as("a message within 10 s").isNotNull();
      return m;
    }
  }

  private static Socket webSocket(String path) throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket ws =
        http.newWebSocketBuilder()
            .buildAsync(
                URI.create("ws://127.0.0.1:" + gateway.port() + path),
                new WebSocket.Listener() {
                  @Override
                  public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                    received.add(data.toString());
                    w.request(1);
                    return null;
                  }

                  @Override
                  public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
                    received.add("binary " + StandardCharsets.UTF_8.decode(data));
                    w.request(1);
                    return null;
                  }
                })
            .get(20, TimeUnit.SECONDS);
    return new Socket(ws, received);
  }

  /** Returns the gateway's answer to a WebSocket upgrade it refused. */
  private static java.net.http.WebSocketHandshakeException refusedUpgrade(String path)
      throws Exception {
    try {
      webSocket(path).ws().abort();
    } catch (ExecutionException | CompletionException e) {
      if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
        return h;
      }
      throw e;
    }
    throw new AssertionError("the upgrade to " + path + " was accepted");
  }

  /** Waits for an upstream refusal of {@code route} whose event contains {@code needle}. */
  private static DecisionRecord refusal(String route, String needle) throws Exception {
    DecisionReader reader = new DecisionReader(store);
    for (int i = 0; i < 200; i++) {
      for (DecisionRecord r :
          reader.list(
              new DecisionFilter(null, false, UpstreamClients.LOG_PATH, null, route, 100))) {
        if (r.eventJson().contains(needle)) {
          return r;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no upstream refusal for " + route + " containing " + needle);
  }

  @AfterAll
  static void stop() throws Exception {
    rawTls.close();
    gateway.close();
    sidecarB.close();
    serialServer.close();
    appB.stop(0);
    credsB.close();
    agentB.close();
    store.close();
  }

  @Test
  void forward_expectedUpstreamId_appSeesGatewayAsCaller() throws Exception {
    HttpResponse<String> r = get("/good/orders");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("caller " + GATEWAY);
    assertThat(seenByB).contains(GATEWAY.toString());
  }

  /**
   * Regression: a mutual TLS upstream's forged {@code X-Vigil-*} headers and Vigil session cookie
   * reached the caller as if the gateway had written them.
   */
  @Test
  void forward_mutualTlsUpstreamForgesVigilHeaders_callerSeesOnlyTheUpstreamsOwn()
      throws Exception {
    HttpResponse<String> r = get("/serial/forged");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-App")).contains("kept");
    assertThat(r.headers().map().keySet()).noneMatch(n -> n.toLowerCase().contains("vigil"));
    assertThat(r.headers().allValues("Set-Cookie")).isEmpty();
  }

  /**
   * An app over mutual TLS whose answer runs past its {@code Content-Length} (a second answer in
   * the same write, or one sent while the connection waits in the pool) does not answer the next
   * caller given that pooled connection: each caller reads the answer to its own request.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"spill", "spill-late"})
  void forward_mutualTlsAppSendsBytesPastItsAnswer_theNextCallerGetsItsOwnAnswer(String kind)
      throws Exception {
    HttpResponse<String> first = get("/raw/" + kind);
    Thread.sleep(400);
    List<String> next = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      next.add(get("/raw/next-" + i).body());
    }

    assertThat(first.body()).isEqualTo("answer to /raw/" + kind);
    assertThat(next)
        .containsExactly("answer to /raw/next-0", "answer to /raw/next-1", "answer to /raw/next-2");
  }

  /**
   * Regression: with more callers at once than the pool has connections (64), a connection whose
   * answer spilled over was handed to a waiting caller the moment its answer ended, and that caller
   * read the spilled bytes as its answer ({@code poisoned}), and the next one the answer meant for
   * another caller. Half the paths here spill. No caller ever gets spilled bytes or another's
   * answer: it gets its own or, under this load, a 502 or its answer cut (see docs/gateway.md).
   */
  @Test
  void forward_mutualTlsAppSpillsUnderLoad_noCallerGetsAnothersAnswer() throws Exception {
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> calls =
        new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(
          http11.sendAsync(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path(i)))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }

    Map<String, Integer> kinds = new java.util.TreeMap<>();
    for (int i = 0; i < calls.size(); i++) {
      String kind;
      try {
        HttpResponse<String> r = calls.get(i).get(60, TimeUnit.SECONDS);
        kind =
            r.body().equals("answer to " + path(i))
                ? "own"
                : r.statusCode() == 502 && r.body().contains("upstream_unavailable")
                    ? "502"
                    : r.statusCode() + " " + r.body();
      } catch (ExecutionException e) {
        kind = "cut";
      }
      kinds.merge(kind, 1, Integer::sum);
    }
    assertThat(kinds.keySet()).isSubsetOf("own", "cut", "502").contains("own");
  }

  private static String path(int i) {
    return "/raw/" + i + (i % 2 == 0 ? "/spill" : "/plain");
  }

  @Test
  void forward_wrongUpstreamId_badGatewayWithLoggedReason() throws Exception {
    int before = seenByB.size();

    HttpResponse<String> r = get("/wrong-id/orders");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("upstream_unverified");
    String decision = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    DecisionRecord logged = refusal("wrong-id", decision);
    assertThat(logged.allowed()).isFalse();
    assertThat(logged.eventJson())
        .contains("\"refusal\":\"UNEXPECTED_ID\"")
        .contains("peer is spiffe://prod.example/b, expected spiffe://prod.example/c");
    assertThat(seenByB).hasSize(before);
  }

  @Test
  void forward_upstreamOfAnotherTrustDomain_badGatewayWithLoggedReason() throws Exception {
    int before = seenByB.size();

    HttpResponse<String> r = get("/other-td/orders");

    assertThat(r.statusCode()).isEqualTo(502);
    String decision = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("other-td", decision).eventJson()).contains("\"refusal\":\"NO_BUNDLE\"");
    assertThat(seenByB).hasSize(before);
  }

  @Test
  void forward_upstreamWithoutTls_badGatewayAndNothingSent() throws Exception {
    HttpResponse<String> r = get("/no-tls/orders");

    assertThat(r.statusCode()).isEqualTo(502);
    String decision = r.headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    DecisionRecord logged = refusal("no-tls", decision);
    assertThat(logged.eventJson()).contains("\"expected_spiffe_id\":\"" + B + "\"");
    assertThat(logged.eventJson()).contains("\"refusal\":\"NO_TLS\"");
    assertThat(seenByPlain).isEmpty();
  }

  @Test
  void forward_afterSvidRenewed_newConnectionPresentsNewSvid() throws Exception {
    String first = get("/serial/x").body();
    assertThat(first).isEqualTo(gatewaySvids.get(PROD).serial().toString(16));

    renew(PROD);
    String second = get("/serial/x").body();

    assertThat(second).isEqualTo(gatewaySvids.get(PROD).serial().toString(16));
    assertThat(second).isNotEqualTo(first);
  }

  @Test
  void webSocket_expectedUpstreamId_framesRelayedBothWaysWithGatewaySvid() throws Exception {
    Socket s = webSocket("/serial/feed");

    assertThat(s.next()).isEqualTo("serial " + gatewaySvids.get(PROD).serial().toString(16));
    s.ws().sendText("hello", true).get(5, TimeUnit.SECONDS);
    assertThat(s.next()).isEqualTo("echo: hello");
    s.ws()
        .sendBinary(ByteBuffer.wrap("bytes".getBytes(StandardCharsets.UTF_8)), true)
        .get(5, TimeUnit.SECONDS);
    assertThat(s.next()).isEqualTo("binary bytes");
    assertThat(upgradesBySerial).contains("/serial/feed");
    s.ws().abort();
  }

  @Test
  void webSocket_wrongUpstreamId_badGatewayLoggedAndNoUpgradeSent() throws Exception {
    int before = upgradesBySerial.size();

    var refused = refusedUpgrade("/ws-wrong-id/feed");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    DecisionRecord logged = refusal("ws-wrong-id", decision);
    assertThat(logged.allowed()).isFalse();
    assertThat(logged.eventJson())
        .contains("\"refusal\":\"UNEXPECTED_ID\"")
        .contains("peer is spiffe://prod.example/b, expected spiffe://prod.example/c");
    assertThat(upgradesBySerial).hasSize(before);
  }

  @Test
  void webSocket_upstreamOfAnotherTrustDomain_badGatewayLoggedAndNoUpgradeSent() throws Exception {
    int before = upgradesBySerial.size();

    var refused = refusedUpgrade("/ws-other-td/feed");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("ws-other-td", decision).eventJson())
        .contains("\"refusal\":\"NO_BUNDLE\"")
        .contains("\"expected_spiffe_id\":\"spiffe://other.example/b\"");
    assertThat(upgradesBySerial).hasSize(before);
  }

  @Test
  void webSocket_revokedUpstreamSvid_badGatewayLoggedAndNoUpgradeSent() throws Exception {
    var refused = refusedUpgrade("/ws-revoked/feed");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("ws-revoked", decision).eventJson()).contains("\"refusal\":\"REVOKED\"");
    assertThat(upgradesByRevoked).isEmpty();
  }

  @Test
  void webSocket_upstreamWithoutTls_badGatewayLoggedAndNothingSent() throws Exception {
    var refused = refusedUpgrade("/no-tls/feed");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("no-tls", decision).eventJson()).contains("\"refusal\":\"NO_TLS\"");
    assertThat(seenByPlain).isEmpty();
  }

  @Test
  void webSocket_noGatewaySvidInTrustDomain_badGatewayLoggedAndNoUpgradeSent() throws Exception {
    int before = upgradesBySerial.size();

    var refused = refusedUpgrade("/ws-no-svid/feed");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("ws-no-svid", decision).eventJson())
        .contains("\"refusal\":\"NO_SVID\"")
        .contains("no SVID in trust domain unknown.example");
    assertThat(upgradesBySerial).hasSize(before);
  }

  @Test
  void webSocket_verifiedUpstreamDeclinesUpgrade_badGatewayLoggedAsUnavailable() throws Exception {
    var refused = refusedUpgrade("/serial/declined");

    assertThat(refused.getResponse().statusCode()).isEqualTo(502);
    String decision =
        refused.getResponse().headers().firstValue("X-Vigil-Decision-Id").orElseThrow();
    assertThat(refusal("serial", decision).eventJson())
        .contains("\"refusal\":\"UPGRADE_REFUSED\"")
        .contains("answered the WebSocket upgrade with status 403");
    assertThat(upgradesBySerial).contains("/serial/declined");
  }

  @Test
  void webSocket_afterSvidRenewed_newSocketPresentsNewSvidAndOldOneStillRelays() throws Exception {
    Socket first = webSocket("/serial/first");
    String firstSerial = first.next();
    assertThat(firstSerial).isEqualTo("serial " + gatewaySvids.get(PROD).serial().toString(16));

    renew(PROD);
    Socket second = webSocket("/serial/second");

    assertThat(second.next())
        .isEqualTo("serial " + gatewaySvids.get(PROD).serial().toString(16))
        .isNotEqualTo(firstSerial);
    // The replaced client keeps its WebSockets for a grace period.
    first.ws().sendText("still there", true).get(5, TimeUnit.SECONDS);
    assertThat(first.next()).isEqualTo("echo: still there");
    first.ws().abort();
    second.ws().abort();
  }
}
