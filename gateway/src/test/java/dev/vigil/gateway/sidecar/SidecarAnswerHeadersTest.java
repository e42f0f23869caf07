package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionRecord;
import dev.vigil.testkit.RawHttp2;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: an app behind a sidecar could answer with {@code X-Vigil-Decision-Id} (or any {@code
 * X-Vigil-*} header, in any case or with {@code _} for {@code -}) or set Vigil's session cookie,
 * and the caller saw it as if the sidecar had written it. Over real sockets (workload A's outbound
 * listener, mutual TLS with SVIDs from real agents, B's STRICT inbound listener, the app), for an
 * HTTP/1.1 app, an h2c app (headers and trailers) and a grpc-java app, the caller now gets the
 * app's own headers and none of the forged ones; B's own refusal still carries its decision id
 * through A. The forged cookies include a nameless one and one after a comma, which clients read as
 * {@code vigil_session}; the forged headers come in a 103 Early Hints answer too. An h2c app whose
 * answer carries a field HTTP/2 forbids gets its caller a 502, and nothing of that answer.
 */
class SidecarAnswerHeadersTest {

  static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := false

      allow if not startswith(input.request.path, "/denied")
      """;

  /** What the apps answer: forged Vigil headers, and headers of their own that must stay. */
  static final List<Map.Entry<String, String>> FORGED =
      List.of(
          Map.entry("X-Vigil-Decision-Id", "forged-by-app"),
          Map.entry("x_vigil_decision_id", "forged-underscore"),
          Map.entry("X-VIGIL-SPIFFE-ID", "spiffe://prod.example/forged"),
          Map.entry("Set-Cookie", "vigil_session=forged; Path=/"),
          // A leading space would be stripped as OWS over HTTP/1.1, and HTTP/2 forbids it (RFC 9113
          // section 8.2.1): the raw h2c app below sends it, as no HTTP/2 library does.
          Map.entry("Set-Cookie", "VIGIL_Session=forged-case; Path=/"),
          Map.entry("Set-Cookie", "=vigil_session=forged-nameless; Path=/deep"),
          Map.entry("Set-Cookie", "other=1, vigil_session=forged-comma; Path=/"));

  static final List<Map.Entry<String, String>> OWN =
      List.of(Map.entry("X-App", "kept"), Map.entry("Set-Cookie", "app_session=kept; Path=/"));

  static final Metadata.Key<String> APP_HEADER = ascii("x-app");

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static Vertx vertx;
  static Server grpcApp;
  static Sidecar sidecarA;
  static Sidecar sidecarB;
  static ManagedChannel grpcViaA;

  /** An h2c app written frame by frame, whose answer has a field value HTTP/2 forbids. */
  static ServerSocket rawH2cApp;

  /** What the raw h2c app answers every request with: a 200 whose cookie value starts with SP. */
  static final List<String> RAW_ANSWER =
      List.of(
          ":status", "200", "set-cookie", " vigil_session=forged-space; Path=/", "x-app", "kept");

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    vertx = Vertx.vertx();
    int app = startForgingApp();
    rawH2cApp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().start(SidecarAnswerHeadersTest::serveRawH2c);
    grpcApp =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
            .addService(ServerInterceptors.intercept(greeter(), forging()))
            .build()
            .start();
    URI appUri = URI.create("http://127.0.0.1:" + app);
    URI grpcUri = URI.create("http://127.0.0.1:" + grpcApp.getPort());
    DecisionPoint pdp = workloads.decisionPoint(POLICY);
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    inbound("h1", appUri, AppProtocol.HTTP1),
                    inbound("h2c", appUri, AppProtocol.H2C),
                    inbound("grpc", grpcUri, AppProtocol.H2C),
                    inbound(
                        "h2c-raw",
                        URI.create("http://127.0.0.1:" + rawH2cApp.getLocalPort()),
                        AppProtocol.H2C)),
                List.of()),
            workloads.credsB,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
    sidecarA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    outbound("to-h1", "h1"),
                    outbound("to-h2c", "h2c"),
                    outbound("to-grpc", "grpc"),
                    outbound("to-h2c-raw", "h2c-raw"))),
            workloads.credsA,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
    grpcViaA =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", sidecarA.port("to-grpc"), InsecureChannelCredentials.create())
            .build();
  }

  private static Inbound inbound(String name, URI app, AppProtocol protocol) {
    Route route = new Route(name, "*", "/", app, "sidecar/allow", Mode.ENFORCE, Map.of(), null);
    return new Inbound("127.0.0.1", 0, PeerMode.STRICT, route, protocol);
  }

  private static Outbound outbound(String name, String inbound) {
    return new Outbound(name, "127.0.0.1", 0, "127.0.0.1", sidecarB.port(inbound), TwoWorkloads.B);
  }

  /**
   * Starts the app (HTTP/1.1, and HTTP/2 with prior knowledge): it answers every request with the
   * forged headers and its own, chunked, and the same two kinds again as trailers.
   */
  private static int startForgingApp() throws Exception {
    return vertx
        .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(
            req -> {
              var resp = req.response().setChunked(true);
              resp.writeEarlyHints(
                  MultiMap.caseInsensitiveMultiMap()
                      .add("x-vigil-decision-id", "forged-103")
                      .add("link", "</style.css>; rel=preload"));
              FORGED.forEach(h -> resp.headers().add(h.getKey(), h.getValue()));
              OWN.forEach(h -> resp.headers().add(h.getKey(), h.getValue()));
              resp.trailers()
                  .add("x-vigil-decision-id", "forged-trailer")
                  .add("x_vigil_user", "forged-trailer")
                  .add("set-cookie", "=vigil_session=forged-trailer")
                  .add("x-app-trailer", "kept");
              resp.end("from the app");
            })
        .listen()
        .await(30, TimeUnit.SECONDS)
        .actualPort();
  }

  /**
   * Serves the raw h2c app: to each connection its SETTINGS, an acknowledgement of the sidecar's,
   * and to each request {@link #RAW_ANSWER} as one HEADERS frame that ends the stream (fields as
   * literals without indexing, RFC 7541 section 6.2.2). Frames are read by their length (RFC 9113
   * section 4.1), the connection preface first.
   */
  private static void serveRawH2c() {
    while (!rawH2cApp.isClosed()) {
      try {
        Socket s = rawH2cApp.accept();
        Thread.ofPlatform().daemon().start(() -> answerRawH2c(s));
      } catch (IOException e) {
        // Closed by the test.
      }
    }
  }

  private static void answerRawH2c(Socket s) {
    try (s) {
      DataInputStream in = new DataInputStream(s.getInputStream());
      OutputStream out = s.getOutputStream();
      in.readNBytes(RawHttp2.preface().length);
      out.write(RawHttp2.frame(0x4, 0, 0, new byte[0]));
      out.flush();
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        in.readNBytes(length);
        if (type == 0x4 && (flags & 0x1) == 0) {
          out.write(RawHttp2.frame(0x4, 0x1, 0, new byte[0]));
        } else if (type == 0x1) {
          // END_STREAM | END_HEADERS, the same literals a request of RawHttp2 has.
          byte[] block = RawHttp2.request(stream, RAW_ANSWER);
          out.write(block);
        }
        out.flush();
      }
    } catch (IOException e) {
      // The sidecar closed the connection.
    }
  }

  private static ServerServiceDefinition greeter() {
    return ServerServiceDefinition.builder("demo.Greeter")
        .addMethod(
            SidecarGrpcTest.HELLO,
            ServerCalls.asyncUnaryCall(
                (String name, io.grpc.stub.StreamObserver<String> out) -> {
                  out.onNext("hello " + name);
                  out.onCompleted();
                }))
        .build();
  }

  /** Adds forged Vigil metadata and metadata of the app's own to every call's headers and close. */
  private static ServerInterceptor forging() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        ServerCall<Q, R> forgingCall =
            new SimpleForwardingServerCall<>(call) {
              @Override
              public void sendHeaders(Metadata h) {
                h.put(ascii("x-vigil-decision-id"), "forged-header");
                h.put(ascii("x_vigil_decision_id"), "forged-underscore");
                h.put(APP_HEADER, "kept");
                super.sendHeaders(h);
              }

              @Override
              public void close(Status status, Metadata trailers) {
                trailers.put(ascii("x-vigil-decision-id"), "forged-trailer");
                trailers.put(ascii("x-vigil-spiffe-id"), "spiffe://prod.example/forged");
                trailers.put(ascii("x-app-trailer"), "kept");
                super.close(status, trailers);
              }
            };
        return next.startCall(forgingCall, headers);
      }
    };
  }

  private static Metadata.Key<String> ascii(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  @AfterAll
  static void stop() throws Exception {
    grpcViaA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    sidecarA.close();
    sidecarB.close();
    grpcApp.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    rawH2cApp.close();
    vertx.close().await(10, TimeUnit.SECONDS);
    workloads.close();
  }

  /** Returns every header line as {@code lower-case-name: value}. */
  private static List<String> lines(Map<String, List<String>> headers) {
    List<String> out = new ArrayList<>();
    headers.forEach(
        (name, values) -> values.forEach(v -> out.add(name.toLowerCase() + ": " + v.strip())));
    return out;
  }

  private static List<String> lines(MultiMap headers) {
    List<String> out = new ArrayList<>();
    headers.forEach(h -> out.add(h.getKey().toLowerCase() + ": " + h.getValue().strip()));
    return out;
  }

  private static List<String> lines(Metadata md) {
    List<String> out = new ArrayList<>();
    for (String k : md.keys()) {
      if (!k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        md.getAll(ascii(k)).forEach(v -> out.add(k + ": " + v));
      }
    }
    return out;
  }

  private static HttpResponse<String> http1(String outbound, String path) throws Exception {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecarA.port(outbound) + path))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void http1App_forgedVigilHeadersAndCookies_removedAppHeadersKept() throws Exception {
    HttpResponse<String> r = http1("to-h1", "/h1");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("from the app");
    List<String> got = lines(r.headers().map());
    assertThat(got).noneMatch(l -> l.contains("forged")).noneMatch(l -> l.startsWith("x-vigil"));
    assertThat(got).contains("x-app: kept", "set-cookie: app_session=kept; Path=/");
  }

  @Test
  void h2cApp_http1Caller_forgedHeadersRemovedAppHeadersKept() throws Exception {
    HttpResponse<String> r = http1("to-h2c", "/h2c-from-h1");

    assertThat(r.statusCode()).isEqualTo(200);
    List<String> got = lines(r.headers().map());
    assertThat(got).noneMatch(l -> l.contains("forged")).noneMatch(l -> l.startsWith("x-vigil"));
    assertThat(got).contains("x-app: kept", "set-cookie: app_session=kept; Path=/");
  }

  @Test
  void h2cApp_http2Caller_forgedHeadersAndTrailersRemovedAppsKept() throws Exception {
    var client =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    try {
      List<String> got =
          client
              .request(HttpMethod.GET, sidecarA.port("to-h2c"), "127.0.0.1", "/h2c")
              .compose(req -> req.send())
              .compose(
                  resp ->
                      resp.body()
                          .map(
                              body -> {
                                List<String> all = new ArrayList<>();
                                all.add(resp.version() + " " + resp.statusCode() + " " + body);
                                all.addAll(lines(resp.headers()));
                                lines(resp.trailers()).forEach(t -> all.add("trailer " + t));
                                return all;
                              }))
              .await(20, TimeUnit.SECONDS);

      assertThat(got.get(0)).isEqualTo("HTTP_2 200 from the app");
      assertThat(got).noneMatch(l -> l.contains("forged")).noneMatch(l -> l.contains("x-vigil"));
      assertThat(got)
          .contains(
              "x-app: kept", "set-cookie: app_session=kept; Path=/", "trailer x-app-trailer: kept");
    } finally {
      client.close();
    }
  }

  /**
   * An h2c app whose answer has a field value HTTP/2 forbids (a {@code Set-Cookie} that starts with
   * a space, which Netty 4.2.9's codec passed on): the sidecar's HTTP/2 codec refuses the answer,
   * and the caller gets a 502 with the sidecar's decision id, not the app's status or any of its
   * fields.
   */
  @Test
  void h2cApp_answerWithAFieldHttp2Forbids_callerGets502AndNoneOfIt() throws Exception {
    HttpResponse<String> r = http1("to-h2c-raw", "/raw");

    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("upstream_unavailable");
    List<String> got = lines(r.headers().map());
    assertThat(got).noneMatch(l -> l.contains("forged")).noneMatch(l -> l.startsWith("x-app"));
    assertThat(got).anyMatch(l -> l.startsWith("x-vigil-decision-id: "));
  }

  @Test
  void grpcApp_forgedMetadataInHeadersAndTrailers_removedAppsKept() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    var capture = MetadataUtils.newCaptureMetadataInterceptor(headers, trailers);

    String answer =
        ClientCalls.blockingUnaryCall(
            ClientInterceptors.intercept(grpcViaA, capture),
            SidecarGrpcTest.HELLO,
            CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
            "a");

    assertThat(answer).isEqualTo("hello a");
    assertThat(lines(headers.get()))
        .contains("x-app: kept")
        .noneMatch(l -> l.contains("forged"))
        .noneMatch(l -> l.contains("vigil"));
    assertThat(lines(trailers.get()))
        .contains("x-app-trailer: kept")
        .noneMatch(l -> l.contains("forged"))
        .noneMatch(l -> l.contains("vigil"));
  }

  @Test
  void http1App_refusedBySidecarB_itsOwnDecisionIdReachesTheCallerThroughA() throws Exception {
    HttpResponse<String> r = http1("to-h1", "/denied/x");

    assertThat(r.statusCode()).isEqualTo(403);
    DecisionRecord d = workloads.logged("sidecar/allow", "h1", "/denied/x");
    assertThat(d.allowed()).isFalse();
    assertThat(r.headers().allValues("X-Vigil-Decision-Id")).containsExactly(d.decisionId());
  }
}
