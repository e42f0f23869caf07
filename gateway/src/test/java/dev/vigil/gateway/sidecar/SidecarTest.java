package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two sidecars over real sockets, each with its own X.509-SVID from a real Workload API agent (one
 * CA, one agent socket per workload): app A speaks plain HTTP to A's outbound listener, which
 * originates mutual TLS to B's inbound listener, which asks the decision point and forwards to app
 * B on loopback. Callers from another trust domain, with a revoked SVID or without a certificate
 * are refused before any policy, and each refusal is in the decision log with its reason.
 */
class SidecarTest {

  private static final TrustDomain PROD = new TrustDomain("prod.example");
  private static final SpiffeId A = TwoWorkloads.A;
  private static final SpiffeId B = TwoWorkloads.B;

  static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := false

      allow if {
        input.subject.type == "workload"
        input.subject.spiffe_id == "spiffe://prod.example/a"
        input.subject.trust_domain == "prod.example"
        input.request.path != "/forbidden"
      }

      allow if {
        input.request.mtls == false
        input.request.path == "/public"
      }
      """;

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static Store store;
  static DecisionLog log;
  static Identities ids;
  static WorkloadAgent agentA;
  static WorkloadAgent agentB;
  static WorkloadCredentials credsA;
  static WorkloadCredentials credsB;
  static HttpServer appB;
  static final List<Map<String, String>> seenByB = new CopyOnWriteArrayList<>();

  /** The X-Forwarded-Proto of each request app B answered. */
  static final List<String> protoSeenByB = new CopyOnWriteArrayList<>();

  /** The Host of each request app B answered. */
  static final List<String> hostSeenByB = new CopyOnWriteArrayList<>();

  static Sidecar sidecarA;
  static Sidecar sidecarB;

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    store = workloads.store;
    log = workloads.log;
    ids = workloads.ids;
    agentA = workloads.agentA;
    agentB = workloads.agentB;
    credsA = workloads.credsA;
    credsB = workloads.credsB;
    appB = app();

    DecisionPoint pdp = workloads.decisionPoint(POLICY);
    URI app = URI.create("http://127.0.0.1:" + appB.getAddress().getPort());
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound("127.0.0.1", 0, PeerMode.STRICT, route("b-strict", app)),
                    new Inbound("127.0.0.1", 0, PeerMode.PERMISSIVE, route("b-open", app))),
                List.of()),
            credsB,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
    int strict = sidecarB.port("b-strict");
    sidecarA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    new Outbound("to-b", "127.0.0.1", 0, "127.0.0.1", strict, B),
                    new Outbound(
                        "to-b-as-c",
                        "127.0.0.1",
                        0,
                        "127.0.0.1",
                        strict,
                        SpiffeId.parse("spiffe://prod.example/c")))),
            credsA,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
  }

  private static Route route(String name, URI app) {
    return new Route(
        name, "*", "/", app, "sidecar/allow", Mode.ENFORCE, Map.of("service", "b"), null);
  }

  /** App B: a plain HTTP server on loopback that answers with the caller identity it was given. */
  private static HttpServer app() throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/",
        ex -> {
          String caller = ex.getRequestHeaders().getFirst("X-Vigil-Spiffe-Id");
          protoSeenByB.add(String.valueOf(ex.getRequestHeaders().getFirst("X-Forwarded-Proto")));
          hostSeenByB.add(String.valueOf(ex.getRequestHeaders().getFirst("Host")));
          seenByB.add(
              Map.of(
                  "path", ex.getRequestURI().getRawPath(), "caller", caller == null ? "" : caller));
          byte[] body = ("b saw " + caller).getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    s.start();
    return s;
  }

  @AfterAll
  static void stop() {
    sidecarA.close();
    sidecarB.close();
    appB.stop(0);
    workloads.close();
  }

  @BeforeEach
  void clear() {
    seenByB.clear();
    protoSeenByB.clear();
    hostSeenByB.clear();
  }

  /** Sends one plain HTTP/1.1 GET and returns the status line's code and the rest. */
  static String[] get(Socket s, String path, String... headers) throws Exception {
    try (s) {
      StringBuilder req =
          new StringBuilder(
              "GET " + path + " HTTP/1.1\r\nHost: b.internal\r\nConnection: close\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      s.getOutputStream().write(req.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
      BufferedReader in =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      String status = in.readLine();
      StringBuilder rest = new StringBuilder();
      for (String line; (line = in.readLine()) != null; ) {
        rest.append(line).append('\n');
      }
      return new String[] {status.split(" ")[1], rest.toString()};
    }
  }

  static Socket plain(int port) throws Exception {
    return new Socket("127.0.0.1", port);
  }

  /** A TLS client that presents {@code svid} (none when null) and does not check the server. */
  static Socket tls(int port, X509Svid svid) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    TrustManager anyServer =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] c, String a) {}

          @Override
          public void checkServerTrusted(X509Certificate[] c, String a) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    var keys = svid == null ? null : new SvidKeyManager(() -> svid);
    ctx.init(
        keys == null ? null : new javax.net.ssl.KeyManager[] {keys},
        new TrustManager[] {anyServer},
        null);
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.startHandshake();
    return s;
  }

  @Test
  void workloadCall_throughTwoSidecars_appBSeesCallerSpiffeId() throws Exception {
    String[] r = get(plain(sidecarA.port("to-b")), "/orders/7");

    assertThat(r[0]).isEqualTo("200");
    assertThat(r[1]).contains("b saw spiffe://prod.example/a");
    assertThat(seenByB).containsExactly(Map.of("path", "/orders/7", "caller", A.toString()));
    assertThat(hostSeenByB).containsExactly("b.internal");
    DecisionRecord d = workloads.logged("sidecar/allow", "b-strict", "/orders/7");
    assertThat(d.allowed()).isTrue();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson())
        .contains("\"transport\":\"mtls\"")
        .contains("\"mtls\":true")
        .contains("\"workload\":\"" + B + "\"");
  }

  @Test
  void workloadCall_http2PriorKnowledge_crossesOverHttp2AndReachesTheHttp1App() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      var client =
          vertx.createHttpClient(
              new HttpClientOptions()
                  .setProtocolVersion(HttpVersion.HTTP_2)
                  .setHttp2ClearTextUpgrade(false));
      String answer =
          client
              .request(HttpMethod.GET, sidecarA.port("to-b"), "127.0.0.1", "/orders/12")
              .compose(
                  req ->
                      req.send()
                          .compose(
                              resp ->
                                  resp.body()
                                      .map(
                                          b -> resp.version() + " " + resp.statusCode() + " " + b)))
              .await(10, TimeUnit.SECONDS);

      assertThat(answer).isEqualTo("HTTP_2 200 b saw spiffe://prod.example/a");
      assertThat(seenByB).containsExactly(Map.of("path", "/orders/12", "caller", A.toString()));
      // The caller's :authority reaches the HTTP/1.1 app as its Host, as a Host of HTTP/1.1 does.
      assertThat(hostSeenByB).containsExactly("127.0.0.1:" + sidecarA.port("to-b"));
      DecisionRecord d = workloads.logged("sidecar/allow", "b-strict", "/orders/12");
      assertThat(d.subject()).isEqualTo(A.toString());
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void workloadCall_spoofedIdentityHeader_appBSeesOnlyTheCertificateIdentity() throws Exception {
    String[] r =
        get(
            plain(sidecarA.port("to-b")),
            "/orders/8",
            "X-Vigil-Spiffe-Id: spiffe://prod.example/b");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seenByB).containsExactly(Map.of("path", "/orders/8", "caller", A.toString()));
  }

  @Test
  void workloadCall_policyDeniesPath_refused403WithExplanationInLog() throws Exception {
    String[] r = get(plain(sidecarA.port("to-b")), "/forbidden");

    assertThat(r[0]).isEqualTo("403");
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged("sidecar/allow", "b-strict", "/forbidden");
    assertThat(d.allowed()).isFalse();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson()).contains("\"explanation\"").contains("\"type\":\"workload\"");
  }

  @Test
  void outbound_serverHasAnotherSpiffeId_refused502AndLogged() throws Exception {
    String[] r = get(plain(sidecarA.port("to-b-as-c")), "/orders/9");

    assertThat(r[0]).isEqualTo("502");
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "to-b-as-c", "UNEXPECTED_ID");
    assertThat(d.eventJson()).contains("peer is spiffe://prod.example/b");
    // The app is told which logged refusal its 502 was, and why.
    assertThat(r[1])
        .contains("X-Vigil-Decision-Id: " + d.decisionId())
        .contains("UNEXPECTED_ID: peer is spiffe://prod.example/b");
  }

  @Test
  void inbound_callerFromAnotherTrustDomain_handshakeRefusedAndLogged() throws Exception {
    X509Svid staging = ids.issueX509(SpiffeId.parse("spiffe://staging.example/a"), List.of(), null);

    assertThatThrownBy(() -> get(tls(sidecarB.port("b-strict"), staging), "/orders/1"))
        .isInstanceOf(java.io.IOException.class);
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-strict", "staging.example");
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"refusal\":\"NO_BUNDLE\"");
  }

  /**
   * A pooled connection to another workload keeps the chain of its handshake; the outbound listener
   * verifies it again, so a target revoked since is not called on it any more: the connection is
   * closed and logged, and the next call makes a new handshake, where B presents the SVID its agent
   * issued at once in place of the revoked one. With agents of its own, since it revokes the SVID
   * that B's agent serves.
   */
  @Test
  void outbound_targetRevokedWhilePooled_connectionClosedAndLogged() throws Exception {
    try (TwoWorkloads own = TwoWorkloads.start(tmp.resolve("pooled"))) {
      DecisionPoint pdp = own.decisionPoint(POLICY);
      URI app = URI.create("http://127.0.0.1:" + appB.getAddress().getPort());
      Route route =
          new Route(
              "b-pooled",
              "*",
              "/",
              app,
              "sidecar/allow",
              Mode.ENFORCE,
              Map.of("service", "b"),
              null);
      try (Sidecar b =
              Sidecar.start(
                  new SidecarConfig(
                      null,
                      List.of(new Inbound("127.0.0.1", 0, PeerMode.STRICT, route)),
                      List.of()),
                  own.credsB,
                  pdp,
                  own.ids.revocations(),
                  InstantSource.system(),
                  null);
          Sidecar a =
              Sidecar.start(
                  new SidecarConfig(
                      null,
                      List.of(),
                      List.of(
                          new Outbound(
                              "to-b", "127.0.0.1", 0, "127.0.0.1", b.port("b-pooled"), B))),
                  own.credsA,
                  pdp,
                  own.ids.revocations(),
                  InstantSource.system(),
                  null,
                  Sidecar.Timeouts.revalidatingEvery(200))) {
        String[] before = get(new Socket("127.0.0.1", a.port("to-b")), "/orders/1");

        X509Svid pooled = own.credsB.svid();
        own.ids.revoke(pooled.leaf());

        DecisionRecord closed =
            own.logged(RefusalLog.PATH, "to-b", "\"recheck\":\"" + TcpOutbound.RECHECK + "\"");
        String[] after = get(new Socket("127.0.0.1", a.port("to-b")), "/orders/2");
        assertThat(before[0]).isEqualTo("200");
        assertThat(closed.eventJson())
            .contains("\"refusal\":\"REVOKED\"")
            .contains("\"spiffe_id\":\"" + B + "\"")
            .contains(pooled.serial().toString(16));
        assertThat(after[0]).isEqualTo("200");
        assertThat(own.credsB.svid().serial()).isNotEqualTo(pooled.serial());
      }
    }
  }

  @Test
  void inbound_revokedSvid_handshakeRefusedAndLogged() throws Exception {
    X509Svid revoked = ids.issueX509(A, List.of(), null);
    ids.revoke(revoked.leaf());

    assertThatThrownBy(() -> get(tls(sidecarB.port("b-strict"), revoked), "/orders/2"))
        .isInstanceOf(java.io.IOException.class);
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-strict", revoked.serial().toString(16));
    assertThat(d.eventJson()).contains("\"refusal\":\"REVOKED\"");
  }

  @Test
  void strict_tlsWithoutClientCertificate_refused401AndLogged() throws Exception {
    String[] r = get(tls(sidecarB.port("b-strict"), null), "/orders/3");

    assertThat(r[0]).isEqualTo("401");
    assertThat(r[1]).contains("client_certificate_required");
    assertThat(seenByB).isEmpty();
    String id = r[1].replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-strict", id);
    assertThat(d.eventJson()).contains("NO_CLIENT_CERTIFICATE");
  }

  @Test
  void strict_plaintext_neverReachesTheApp() throws Exception {
    try (Socket s = plain(sidecarB.port("b-strict"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("GET /orders/4 HTTP/1.1\r\nHost: b\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      byte[] answer = s.getInputStream().readNBytes(64);
      assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotStartWith("HTTP/1.1 200");
    }
    assertThat(seenByB).isEmpty();
  }

  @Test
  void permissive_plaintext_acceptedAndMarkedInInputAndLog() throws Exception {
    String[] r = get(plain(sidecarB.port("b-open")), "/public");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seenByB).containsExactly(Map.of("path", "/public", "caller", ""));
    assertThat(protoSeenByB).containsExactly("http");
    DecisionRecord d = workloads.logged("sidecar/allow", "b-open", "/public");
    assertThat(d.allowed()).isTrue();
    assertThat(d.subject()).isNull();
    assertThat(d.eventJson()).contains("\"transport\":\"plaintext\"").contains("\"mtls\":false");
  }

  /**
   * Regression: TLS without a client certificate on a PERMISSIVE port reached the app as {@code
   * X-Forwarded-Proto: http} and was logged as plaintext.
   */
  @Test
  void permissive_tlsWithoutCertificate_httpsToTheAppAndLoggedAsTls() throws Exception {
    String[] r = get(tls(sidecarB.port("b-open"), null), "/public");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seenByB).containsExactly(Map.of("path", "/public", "caller", ""));
    assertThat(protoSeenByB).containsExactly("https");
    DecisionRecord d = workloads.logged("sidecar/allow", "b-open", "\"transport\":\"tls\"");
    assertThat(d.subject()).isNull();
    assertThat(d.eventJson()).contains("\"transport\":\"tls\"").contains("\"mtls\":false");
  }

  @Test
  void permissive_plaintextOnAPathThatNeedsAWorkload_denied() throws Exception {
    String[] r = get(plain(sidecarB.port("b-open")), "/orders/5");

    assertThat(r[0]).isEqualTo("403");
    assertThat(seenByB).isEmpty();
  }

  @Test
  void inbound_ambiguousPath_refused400WithADecisionIdInTheLog() throws Exception {
    String[] r = get(plain(sidecarB.port("b-open")), "/orders/a%2Fb");

    assertThat(r[0]).isEqualTo("400");
    assertThat(seenByB).isEmpty();
    String id = r[1].replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-open", id);
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson())
        .contains("\"refusal\":\"BAD_PATH\"")
        .contains("refused: the request path is ambiguous");
  }

  /**
   * Regression: a CONNECT, or a standard method spelt in another case ({@code delete}), was decided
   * and relayed to the app as it came, as at the edge: the app's connection became a tunnel, or a
   * framework that upper-cases the method ran DELETE where policy decided on "delete". Refused
   * before policy, logged as BAD_METHOD.
   */
  @ParameterizedTest
  @ValueSource(strings = {"CONNECT", "delete", "Get"})
  void inbound_connectOrMethodInAnotherCase_refused400BeforePolicy(String method) throws Exception {
    String[] r;
    try (Socket s = plain(sidecarB.port("b-open"))) {
      s.getOutputStream()
          .write(
              (method + " /public HTTP/1.1\r\nHost: b.internal\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      r = new String[] {all.split(" ")[1], all};
    }

    assertThat(r[0]).isEqualTo("400");
    assertThat(seenByB).isEmpty();
    String id = r[1].replaceAll("(?s).*\"decision_id\":\"([^\"]+)\".*", "$1");
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-open", id);
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"refusal\":\"BAD_METHOD\"");
  }

  /**
   * Regression: a request head whose body could be read two ways was answered 400 by the HTTP
   * decoder with nothing in the decision log or the service log, unlike every other refusal before
   * policy (and unlike the edge gateway, which logs it).
   */
  @Test
  void inbound_ambiguousFraming_refused400WithADecisionIdInTheLog() throws Exception {
    String[] r = get(plain(sidecarB.port("b-open")), "/orders/7", "Transfer-Encoding: xchunked");

    assertThat(r[0]).isEqualTo("400");
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "b-open", "xchunked");
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"refusal\":\"BAD_FRAMING\"");
    assertThat(r[1]).containsIgnoringCase("x-vigil-decision-id: " + d.decisionId());
  }

  /**
   * Regression: the refusal of an unreadable request head was logged on the event loop, where the
   * decision log's wait for room (up to 5 s when it is full) held every connection of the loop; the
   * edge logs it on the worker pool.
   */
  @Test
  void inbound_ambiguousFraming_refusalLoggedOffTheEventLoop() throws Exception {
    String[] r =
        refusalOffTheEventLoop(
            "ychunked",
            "code=BAD_FRAMING",
            () -> get(plain(sidecarB.port("b-open")), "/orders/8", "Transfer-Encoding: ychunked"));

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).containsIgnoringCase("x-vigil-decision-id: ");
  }

  /**
   * Regression: the refusals of a request whose caller or path was refused before policy (no client
   * certificate on a STRICT port, a certificate that does not verify, an ambiguous path) were
   * logged on the event loop, as the unreadable head had been.
   */
  @Test
  void strict_tlsWithoutClientCertificate_refusalLoggedOffTheEventLoop() throws Exception {
    String[] r =
        refusalOffTheEventLoop(
            "code=NO_CLIENT_CERTIFICATE",
            "STRICT port",
            () -> get(tls(sidecarB.port("b-strict"), null), "/orders/9"));

    assertThat(r[0]).isEqualTo("401");
    assertThat(r[1]).contains("\"decision_id\":\"");
  }

  @Test
  void inbound_ambiguousPath_refusalLoggedOffTheEventLoop() throws Exception {
    String[] r =
        refusalOffTheEventLoop(
            "code=BAD_PATH", "%5C", () -> get(plain(sidecarB.port("b-open")), "/orders/a%5Cb"));

    assertThat(r[0]).isEqualTo("400");
    assertThat(r[1]).contains("\"decision_id\":\"");
  }

  /**
   * Sends a request the inbound listener refuses before policy and returns the answer, after
   * checking that its refusal reached the service log (the line holding both {@code marker} and
   * {@code also}) from a thread that is not an event loop.
   */
  private static String[] refusalOffTheEventLoop(
      String marker, String also, java.util.concurrent.Callable<String[]> request)
      throws Exception {
    var events =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var refusalLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RefusalLog.class);
    events.start();
    refusalLog.addAppender(events);
    String[] r;
    try {
      r = request.call();
    } finally {
      refusalLog.detachAppender(events);
    }
    var refusal =
        events.list.stream()
            .filter(e -> e.getFormattedMessage().contains(marker))
            .filter(e -> e.getFormattedMessage().contains(also))
            .findFirst()
            .orElseThrow();
    assertThat(refusal.getThreadName()).doesNotStartWith("vert.x-eventloop");
    return r;
  }

  /**
   * Regression: the outbound listener answered a request head it could not read (its body could be
   * delimited two ways, or a header too long) with no event in the decision log, where the inbound
   * listener logs one. It is logged off the event loop with the listener's name, and the answer
   * carries the decision id; nothing reaches the other workload.
   */
  @Test
  void outbound_unreadableHead_refusedAndLoggedOffTheEventLoop() throws Exception {
    var events =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var refusalLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(RefusalLog.class);
    events.start();
    refusalLog.addAppender(events);
    String[] framing;
    String[] tooLong;
    try {
      framing = get(plain(sidecarA.port("to-b")), "/orders/9", "Transfer-Encoding: zchunked");
      tooLong = get(plain(sidecarA.port("to-b")), "/orders/10", "X-Big: " + "b".repeat(9000));
    } finally {
      refusalLog.detachAppender(events);
    }

    assertThat(framing[0]).isEqualTo("400");
    assertThat(tooLong[0]).isEqualTo("431");
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged(RefusalLog.PATH, "to-b", "zchunked");
    assertThat(d.allowed()).isFalse();
    assertThat(d.eventJson()).contains("\"refusal\":\"BAD_FRAMING\"");
    assertThat(framing[1]).containsIgnoringCase("x-vigil-decision-id: " + d.decisionId());
    DecisionRecord big = workloads.logged(RefusalLog.PATH, "to-b", "TOO_LONG");
    assertThat(tooLong[1]).containsIgnoringCase("x-vigil-decision-id: " + big.decisionId());
    var lines =
        events.list.stream()
            .filter(e -> e.getFormattedMessage().contains("listener=to-b "))
            .toList();
    assertThat(lines).hasSize(2);
    assertThat(lines).allMatch(e -> !e.getThreadName().startsWith("vert.x-eventloop"));
  }

  @Test
  void permissive_mutualTlsOnTheSamePort_callerIdentified() throws Exception {
    String[] r = get(tls(sidecarB.port("b-open"), credsA.svid()), "/orders/6");

    assertThat(r[0]).isEqualTo("200");
    assertThat(seenByB).containsExactly(Map.of("path", "/orders/6", "caller", A.toString()));
    DecisionRecord d = workloads.logged("sidecar/allow", "b-open", "/orders/6");
    assertThat(d.eventJson()).contains("\"transport\":\"mtls\"");
  }

  @Test
  void outbound_svidReplacedAfterRevocation_nextCallUsesTheNewSvidWithoutRestart()
      throws Exception {
    assertThat(get(plain(sidecarA.port("to-b")), "/orders/10")[0]).isEqualTo("200");
    X509Svid before = credsA.svid();

    ids.revoke(before.leaf());
    for (int i = 0; i < 200 && credsA.svid().serial().equals(before.serial()); i++) {
      Thread.sleep(50);
    }
    String[] r = get(plain(sidecarA.port("to-b")), "/orders/11");

    assertThat(credsA.svid().serial()).isNotEqualTo(before.serial());
    assertThat(r[0]).isEqualTo("200");
    assertThat(seenByB)
        .containsExactly(
            Map.of("path", "/orders/10", "caller", A.toString()),
            Map.of("path", "/orders/11", "caller", A.toString()));
  }
}
