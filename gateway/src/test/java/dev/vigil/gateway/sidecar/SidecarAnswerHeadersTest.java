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
import java.net.InetSocketAddress;
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
 * {@code vigil_session}; the forged headers come in a 103 Early Hints answer too.
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
          Map.entry("Set-Cookie", " VIGIL_Session=forged-case; Path=/"),
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

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    vertx = Vertx.vertx();
    int app = startForgingApp();
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
                    inbound("grpc", grpcUri, AppProtocol.H2C)),
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
                    outbound("to-grpc", "grpc"))),
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
