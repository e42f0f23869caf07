package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.X509Svid;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.testkit.RawHttp2;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * gRPC through two sidecars over real sockets: a grpc-java client with a plaintext channel calls
 * A's outbound listener (h2c), which originates mutual TLS with ALPN {@code h2} to B's STRICT
 * inbound listener, which verifies A's X.509-SVID (from a real Workload API agent), asks the
 * decision point per call with the gRPC method as the path, and relays over h2c to a grpc-java
 * server as app B. Trailers come back, server streams stream, a denied call is PERMISSION_DENIED
 * with its decision id, and a caller from another trust domain is refused at the handshake.
 */
class SidecarGrpcTest {

  private static final SpiffeId A = TwoWorkloads.A;
  private static final SpiffeId B = TwoWorkloads.B;

  static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := false

      # Workload a may call every method of demo.Greeter but Secret and Drain (as in
      # docs/policy-input.md, "gRPC calls").
      allow if {
        input.subject.spiffe_id == "spiffe://prod.example/a"
        startswith(input.request.path, "/demo.Greeter/")
        not input.request.path in {"/demo.Greeter/Secret", "/demo.Greeter/Drain"}
      }

      # Without mutual TLS (a PERMISSIVE port), only Hello.
      allow if {
        input.request.mtls == false
        input.request.path == "/demo.Greeter/Hello"
      }
      """;

  static final MethodDescriptor.Marshaller<String> UTF8 =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
          return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
          try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final MethodDescriptor<String, String> HELLO = method("Hello", MethodType.UNARY);
  static final MethodDescriptor<String, String> COUNT =
      method("Count", MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> SECRET = method("Secret", MethodType.UNARY);
  static final MethodDescriptor<String, String> WAIT = method("Wait", MethodType.SERVER_STREAMING);
  static final MethodDescriptor<String, String> ECHO = method("Echo", MethodType.BIDI_STREAMING);
  static final MethodDescriptor<String, String> STALL = method("Stall", MethodType.UNARY);
  static final MethodDescriptor<String, String> GATHER =
      method("Gather", MethodType.CLIENT_STREAMING);
  static final Metadata.Key<String> APP_TRAILER =
      Metadata.Key.of("x-app-trailer", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> CALLER =
      Metadata.Key.of("x-vigil-spiffe-id", Metadata.ASCII_STRING_MARSHALLER);

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static Store store;
  static DecisionLog log;
  static Identities ids;
  static WorkloadAgent agentA;
  static WorkloadAgent agentB;
  static WorkloadCredentials credsA;
  static WorkloadCredentials credsB;
  static Server appB;
  static final List<String> seenByB = new CopyOnWriteArrayList<>();
  static volatile CountDownLatch firstCountSeen = new CountDownLatch(1);
  static volatile CountDownLatch waitCancelled = new CountDownLatch(1);
  static volatile CountDownLatch stallCancelled = new CountDownLatch(1);

  /** How each Echo call ended at app B: "completed" (the client half-closed) or "cancelled". */
  static final java.util.concurrent.BlockingQueue<String> echoEnds =
      new java.util.concurrent.LinkedBlockingQueue<>();

  static Sidecar sidecarA;
  static Sidecar sidecarB;

  /** A pair like A and B whose connections idle out after 3 and 4 s, pinged every second. */
  static Sidecar quickA;

  static Sidecar quickB;

  /** A B whose streams to the app fail after 2 s with nothing either way. */
  static Sidecar stallingB;

  static ManagedChannel viaA;

  private static MethodDescriptor<String, String> method(String name, MethodType type) {
    return MethodDescriptor.<String, String>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName("demo.Greeter", name))
        .setRequestMarshaller(UTF8)
        .setResponseMarshaller(UTF8)
        .build();
  }

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
    appB =
        NettyServerBuilder.forAddress(
                new InetSocketAddress("127.0.0.1", 0), InsecureServerCredentials.create())
            .addService(ServerInterceptors.intercept(greeter(), recordCaller()))
            .build()
            .start();

    DecisionPoint pdp = workloads.decisionPoint(POLICY);
    URI app = URI.create("http://127.0.0.1:" + appB.getPort());
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1", 0, PeerMode.STRICT, route("greeter", app), AppProtocol.H2C),
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        route("greeter-open", app),
                        AppProtocol.H2C)),
                List.of()),
            credsB,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
    sidecarA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    new Outbound(
                        "to-greeter", "127.0.0.1", 0, "127.0.0.1", sidecarB.port("greeter"), B))),
            credsA,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
    viaA = plaintextChannel(sidecarA.port("to-greeter"));

    // The app's streams keep the default limit (60 s): the quiet call below waits 8 s.
    Sidecar.Timeouts quick = new Sidecar.Timeouts(3, 4, 1_000, 60_000);
    quickB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1", 0, PeerMode.STRICT, route("quiet", app), AppProtocol.H2C)),
                List.of()),
            credsB,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null,
            quick);
    quickA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    new Outbound(
                        "to-quiet", "127.0.0.1", 0, "127.0.0.1", quickB.port("quiet"), B))),
            credsA,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null,
            quick);
    stallingB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1", 0, PeerMode.STRICT, route("stalling", app), AppProtocol.H2C)),
                List.of()),
            credsB,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null,
            new Sidecar.Timeouts(30, 60, CallKeepAlive.DEFAULT_INTERVAL_MS, 2_000));
  }

  private static Route route(String name, URI app) {
    return new Route(
        name, "*", "/", app, "sidecar/allow", Mode.ENFORCE, Map.of("service", "greeter"), null);
  }

  /**
   * App B's service. Hello answers with the caller the sidecar named and a trailer of its own;
   * Count sends its first message, then waits until the client has it before sending the rest, so a
   * relay that held messages back until the end would make the call time out.
   */
  private static ServerServiceDefinition greeter() {
    ServerCallHandler<String, String> hello =
        ServerCalls.asyncUnaryCall(
            (name, out) -> {
              out.onNext("hello " + name);
              out.onCompleted();
            });
    ServerCallHandler<String, String> count =
        ServerCalls.asyncServerStreamingCall(
            (n, out) -> {
              out.onNext("1");
              try {
                if (!firstCountSeen.await(10, TimeUnit.SECONDS)) {
                  out.onError(
                      Status.DEADLINE_EXCEEDED.withDescription("1 never arrived").asException());
                  return;
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                out.onError(Status.CANCELLED.asException());
                return;
              }
              for (int i = 2; i <= Integer.parseInt(n); i++) {
                out.onNext(Integer.toString(i));
              }
              out.onCompleted();
            });
    ServerCallHandler<String, String> secret =
        ServerCalls.asyncUnaryCall(
            (x, out) -> {
              out.onNext("the secret");
              out.onCompleted();
            });
    ServerCallHandler<String, String> waitForever =
        ServerCalls.asyncServerStreamingCall(
            (x, out) -> {
              var call = (io.grpc.stub.ServerCallStreamObserver<String>) out;
              CountDownLatch cancelled = waitCancelled;
              call.setOnCancelHandler(cancelled::countDown);
              call.onNext("waiting");
            });
    ServerCallHandler<String, String> echo =
        ServerCalls.asyncBidiStreamingCall(
            out ->
                new io.grpc.stub.StreamObserver<>() {
                  @Override
                  public void onNext(String m) {
                    out.onNext("echo " + m);
                  }

                  @Override
                  public void onError(Throwable t) {
                    echoEnds.add(
                        Status.fromThrowable(t).getCode() == Status.Code.CANCELLED
                            ? "cancelled"
                            : "error " + Status.fromThrowable(t));
                  }

                  @Override
                  public void onCompleted() {
                    echoEnds.add("completed");
                    out.onCompleted();
                  }
                });
    ServerCallHandler<String, String> stall =
        ServerCalls.asyncUnaryCall(
            (x, out) -> {
              var call = (io.grpc.stub.ServerCallStreamObserver<String>) out;
              CountDownLatch cancelled = stallCancelled;
              call.setOnCancelHandler(cancelled::countDown);
            });
    ServerCallHandler<String, String> gather =
        ServerCalls.asyncClientStreamingCall(
            out ->
                new io.grpc.stub.StreamObserver<>() {
                  private final StringBuilder all = new StringBuilder();

                  @Override
                  public void onNext(String m) {
                    all.append(m);
                  }

                  @Override
                  public void onError(Throwable t) {}

                  @Override
                  public void onCompleted() {
                    out.onNext(all.toString());
                    out.onCompleted();
                  }
                });
    return ServerServiceDefinition.builder("demo.Greeter")
        .addMethod(STALL, stall)
        .addMethod(GATHER, gather)
        .addMethod(ECHO, echo)
        .addMethod(WAIT, waitForever)
        .addMethod(HELLO, hello)
        .addMethod(COUNT, count)
        .addMethod(SECRET, secret)
        .build();
  }

  /** Records each call app B receives as {@code method caller} and adds a trailer to its close. */
  private static ServerInterceptor recordCaller() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String caller = headers.get(CALLER);
        seenByB.add(
            call.getMethodDescriptor().getFullMethodName() + " " + (caller == null ? "-" : caller));
        ServerCall<Q, R> withTrailer =
            new io.grpc.ForwardingServerCall.SimpleForwardingServerCall<>(call) {
              @Override
              public void close(Status status, Metadata trailers) {
                trailers.put(APP_TRAILER, "from app b");
                super.close(status, trailers);
              }
            };
        return next.startCall(withTrailer, headers);
      }
    };
  }

  private static ManagedChannel plaintextChannel(int port) {
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, InsecureChannelCredentials.create())
        .build();
  }

  /** A gRPC channel with TLS that presents {@code svid} (none when null) and accepts any server. */
  private static ManagedChannel mtlsChannel(int port, X509Svid svid) {
    TlsChannelCredentials.Builder b =
        TlsChannelCredentials.newBuilder().trustManager(new AnyServer());
    if (svid != null) {
      b.keyManager(new SvidKeyManager(() -> svid));
    }
    ChannelCredentials tls = b.build();
    return Grpc.newChannelBuilderForAddress("127.0.0.1", port, tls)
        .overrideAuthority("greeter.internal")
        .build();
  }

  /** Trusts every server: these tests check how the sidecar treats the client. */
  private static final class AnyServer extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  @AfterAll
  static void stop() throws Exception {
    viaA.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    sidecarA.close();
    sidecarB.close();
    quickA.close();
    quickB.close();
    stallingB.close();
    appB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    workloads.close();
  }

  @BeforeEach
  void clear() {
    seenByB.clear();
    firstCountSeen = new CountDownLatch(1);
    waitCancelled = new CountDownLatch(1);
    stallCancelled = new CountDownLatch(1);
    echoEnds.clear();
  }

  /** Returns how many connections {@code s} holds, once that is 0 or after 5 s. */
  private static int heldEventually(Sidecar s) throws InterruptedException {
    for (int i = 0; i < 100 && s.heldConnections() > 0; i++) {
      Thread.sleep(50);
    }
    return s.heldConnections();
  }

  private static String unary(
      ManagedChannel channel,
      MethodDescriptor<String, String> method,
      String request,
      AtomicReference<Metadata> headers,
      AtomicReference<Metadata> trailers) {
    var capture = MetadataUtils.newCaptureMetadataInterceptor(headers, trailers);
    return ClientCalls.blockingUnaryCall(
        ClientInterceptors.intercept(channel, capture),
        method,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        request);
  }

  @Test
  void unary_throughTwoSidecars_answerAndAppTrailersArrive() throws Exception {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();

    String answer = unary(viaA, HELLO, "a", headers, trailers);

    assertThat(answer).isEqualTo("hello a");
    assertThat(trailers.get().get(APP_TRAILER)).isEqualTo("from app b");
    assertThat(seenByB).containsExactly("demo.Greeter/Hello " + A);
    assertThat(heldEventually(sidecarA) + heldEventually(sidecarB)).isZero();
    DecisionRecord d = workloads.logged("sidecar/allow", "greeter", "/demo.Greeter/Hello");
    assertThat(d.allowed()).isTrue();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson()).contains("\"transport\":\"mtls\"");
  }

  @Test
  void serverStreaming_throughTwoSidecars_firstMessageArrivesBeforeTheCallEnds() {
    Iterator<String> answers =
        ClientCalls.blockingServerStreamingCall(
            viaA, COUNT, CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS), "5");

    assertThat(answers.next()).isEqualTo("1");
    firstCountSeen.countDown();
    List<String> rest = new ArrayList<>();
    answers.forEachRemaining(rest::add);

    assertThat(rest).containsExactly("2", "3", "4", "5");
    assertThat(seenByB).containsExactly("demo.Greeter/Count " + A);
  }

  @Test
  void unary_policyDeniesMethod_permissionDeniedNamingTheDecisionInTheLog() throws Exception {
    StatusRuntimeException e =
        catchThrowableOfType(
            StatusRuntimeException.class,
            () -> unary(viaA, SECRET, "x", new AtomicReference<>(), new AtomicReference<>()));

    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(seenByB).isEmpty();
    DecisionRecord d = workloads.logged("sidecar/allow", "greeter", "/demo.Greeter/Secret");
    assertThat(d.allowed()).isFalse();
    assertThat(d.subject()).isEqualTo(A.toString());
    assertThat(d.eventJson()).contains("\"explanation\"");
    // A gRPC status of the sidecar's own, not one grpc-java made up from an HTTP status.
    assertThat(e.getStatus().getDescription()).startsWith("access denied").contains(d.decisionId());
    assertThat(
            e.getTrailers()
                .get(Metadata.Key.of("x-vigil-decision-id", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo(d.decisionId());
  }

  @Test
  void unary_directMutualTlsWithAnSvidOfTheTrustDomain_allowed() throws Exception {
    ManagedChannel direct = mtlsChannel(sidecarB.port("greeter"), credsA.svid());
    try {
      String answer =
          unary(direct, HELLO, "direct", new AtomicReference<>(), new AtomicReference<>());

      assertThat(answer).isEqualTo("hello direct");
      assertThat(seenByB).containsExactly("demo.Greeter/Hello " + A);
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void unary_callerFromAnotherTrustDomain_refusedAtTheHandshakeAndLogged() throws Exception {
    X509Svid staging = ids.issueX509(SpiffeId.parse("spiffe://staging.example/a"), List.of(), null);
    ManagedChannel direct = mtlsChannel(sidecarB.port("greeter"), staging);
    try {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () -> unary(direct, HELLO, "x", new AtomicReference<>(), new AtomicReference<>()));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(seenByB).isEmpty();
      DecisionRecord d = workloads.logged(RefusalLog.PATH, "greeter", "staging.example");
      assertThat(d.allowed()).isFalse();
      assertThat(d.eventJson()).contains("\"refusal\":\"NO_BUNDLE\"");
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void permissive_plaintextH2c_decidedWithoutASubject() throws Exception {
    ManagedChannel open = plaintextChannel(sidecarB.port("greeter-open"));
    try {
      String answer = unary(open, HELLO, "anon", new AtomicReference<>(), new AtomicReference<>());
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () ->
                  ClientCalls.blockingServerStreamingCall(
                          open,
                          COUNT,
                          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                          "2")
                      .next());

      assertThat(answer).isEqualTo("hello anon");
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(seenByB).containsExactly("demo.Greeter/Hello -");
      DecisionRecord d = workloads.logged("sidecar/allow", "greeter-open", "/demo.Greeter/Count");
      assertThat(d.allowed()).isFalse();
      assertThat(d.eventJson()).contains("\"transport\":\"plaintext\"");
    } finally {
      open.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void strict_tlsWithoutClientCertificate_unauthenticatedNamingTheRefusal() throws Exception {
    ManagedChannel direct = mtlsChannel(sidecarB.port("greeter"), null);
    try {
      StatusRuntimeException e =
          catchThrowableOfType(
              StatusRuntimeException.class,
              () -> unary(direct, HELLO, "x", new AtomicReference<>(), new AtomicReference<>()));

      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(e.getStatus().getDescription()).startsWith("mutual TLS is required");
      assertThat(seenByB).isEmpty();
      String id =
          e.getTrailers()
              .get(Metadata.Key.of("x-vigil-decision-id", Metadata.ASCII_STRING_MARSHALLER));
      DecisionRecord d = workloads.logged(RefusalLog.PATH, "greeter", id);
      assertThat(d.eventJson()).contains("NO_CLIENT_CERTIFICATE");
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void serverStreaming_clientCancels_appSeesTheCallCancelled() throws Exception {
    CountDownLatch firstMessage = new CountDownLatch(1);
    io.grpc.ClientCall<String, String> call =
        viaA.newCall(WAIT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    call.start(
        new io.grpc.ClientCall.Listener<>() {
          @Override
          public void onMessage(String message) {
            firstMessage.countDown();
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage("x");
    call.halfClose();
    assertThat(firstMessage.await(10, TimeUnit.SECONDS)).isTrue();

    call.cancel("the client gave up", null);

    // The reset crosses both sidecars: app B's call ends now, not at its 30 s deadline.
    assertThat(waitCancelled.await(10, TimeUnit.SECONDS)).isTrue();
  }

  /**
   * Regression: a caller that cancelled a bidirectional call before half-closing it reached the app
   * as a call whose client had completed normally, since the relays ended the next hop's request
   * when the caller's failed. An app that commits what a client stream sent on completion would
   * have committed a cancelled upload.
   */
  @Test
  void bidiStreaming_clientCancelsBeforeHalfClose_appSeesTheCallCancelledNotCompleted()
      throws Exception {
    CountDownLatch firstAnswer = new CountDownLatch(1);
    io.grpc.ClientCall<String, String> call =
        viaA.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
    call.start(
        new io.grpc.ClientCall.Listener<>() {
          @Override
          public void onMessage(String message) {
            firstAnswer.countDown();
          }
        },
        new Metadata());
    call.request(10);
    call.sendMessage("part one");
    assertThat(firstAnswer.await(10, TimeUnit.SECONDS)).isTrue();
    var errors =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var vertxLog =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger("io.vertx.core.http.impl.HttpClientRequestImpl");
    var relayLog =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Http2Relay.class);
    errors.start();
    vertxLog.addAppender(errors);
    relayLog.addAppender(errors);
    try {
      call.cancel("the client gave up half way", null);

      assertThat(echoEnds.poll(10, TimeUnit.SECONDS)).isEqualTo("cancelled");
      assertThat(heldEventually(sidecarA) + heldEventually(sidecarB)).isZero();
      // A cancelled call is no fault of the sidecar's or the app's: nothing is logged as an
      // unhandled error, nor the sidecar's own reset of the app as the app failing.
      assertThat(errors.list).isEmpty();
    } finally {
      vertxLog.detachAppender(errors);
      relayLog.detachAppender(errors);
    }
  }

  @Test
  void http1Caller_ofAnH2cApp_getsTheAppsTrailersInItsChunkedAnswer() throws Exception {
    byte[] message = "h1".getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", sidecarB.port("greeter-open"))) {
      s.setSoTimeout(10_000);
      String head =
          "POST /demo.Greeter/Hello HTTP/1.1\r\nHost: greeter.internal\r\n"
              + "Content-Type: application/grpc\r\nTE: trailers\r\n"
              + "Content-Length: "
              + (5 + message.length)
              + "\r\nConnection: close\r\n\r\n";
      var out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      // One gRPC message: not compressed, a 4-byte length, the bytes (PROTOCOL-HTTP2.md).
      out.write(new byte[] {0, 0, 0, 0, (byte) message.length});
      out.write(message);
      out.flush();
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

      assertThat(answer)
          .startsWith("HTTP/1.1 200")
          .containsIgnoringCase("transfer-encoding: chunked");
      int body = answer.indexOf("hello h1");
      assertThat(body).isPositive();
      String trailers = answer.substring(body).toLowerCase(java.util.Locale.ROOT);
      assertThat(trailers).contains("grpc-status: 0").contains("x-app-trailer: from app b");
    }
    assertThat(seenByB).containsExactly("demo.Greeter/Hello -");
  }

  @Test
  void bidiStreaming_throughTwoSidecars_eachAnswerArrivesBeforeTheNextMessageIsSent()
      throws Exception {
    var answers = new java.util.concurrent.LinkedBlockingQueue<String>();
    CountDownLatch done = new CountDownLatch(1);
    io.grpc.stub.StreamObserver<String> requests =
        io.grpc.stub.ClientCalls.asyncBidiStreamingCall(
            viaA.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(15, TimeUnit.SECONDS)),
            new io.grpc.stub.StreamObserver<>() {
              @Override
              public void onNext(String m) {
                answers.add(m);
              }

              @Override
              public void onError(Throwable t) {
                answers.add("error " + Status.fromThrowable(t));
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });

    requests.onNext("one");
    String first = answers.poll(10, TimeUnit.SECONDS);
    requests.onNext("two");
    String second = answers.poll(10, TimeUnit.SECONDS);
    requests.onCompleted();

    assertThat(first).isEqualTo("echo one");
    assertThat(second).isEqualTo("echo two");
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(answers).isEmpty();
  }

  @Test
  void unary_svidReplacedAfterRevocation_nextCallOnTheSameChannelPresentsTheNewSvid()
      throws Exception {
    assertThat(unary(viaA, HELLO, "before", new AtomicReference<>(), new AtomicReference<>()))
        .isEqualTo("hello before");
    X509Svid before = credsA.svid();

    ids.revoke(before.leaf());
    for (int i = 0; i < 200 && credsA.svid().serial().equals(before.serial()); i++) {
      Thread.sleep(50);
    }
    String after = unary(viaA, HELLO, "after", new AtomicReference<>(), new AtomicReference<>());

    // The old HTTP/2 connection to B would be refused at its next call: B checks every stream.
    assertThat(credsA.svid().serial()).isNotEqualTo(before.serial());
    assertThat(after).isEqualTo("hello after");
    assertThat(seenByB).containsExactly("demo.Greeter/Hello " + A, "demo.Greeter/Hello " + A);
  }

  @Test
  void serverStreaming_quietLongerThanEveryIdleTimeout_callStaysOpen() throws Exception {
    ManagedChannel quiet = plaintextChannel(quickA.port("to-quiet"));
    try {
      CountDownLatch firstMessage = new CountDownLatch(1);
      AtomicReference<Status> closed = new AtomicReference<>();
      io.grpc.ClientCall<String, String> call =
          quiet.newCall(WAIT, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
      call.start(
          new io.grpc.ClientCall.Listener<>() {
            @Override
            public void onMessage(String message) {
              firstMessage.countDown();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
              closed.set(status);
            }
          },
          new Metadata());
      call.request(1);
      call.sendMessage("x");
      call.halfClose();
      assertThat(firstMessage.await(10, TimeUnit.SECONDS)).isTrue();

      // Nothing is sent either way for twice the longest idle timeout of this pair (4 s).
      Thread.sleep(8_000);

      assertThat(closed.get()).isNull();
      call.cancel("done waiting", null);
      assertThat(waitCancelled.await(10, TimeUnit.SECONDS)).isTrue();
      // Ended calls hold nothing: their connections may idle out again.
      assertThat(heldEventually(quickA) + heldEventually(quickB)).isZero();
    } finally {
      quiet.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Collects what {@code type}'s logger logs while {@code action} runs. */
  private static List<ch.qos.logback.classic.spi.ILoggingEvent> logged(
      Class<?> type, ThrowingRunnable action) throws Exception {
    var events =
        new ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>();
    var logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(type);
    events.start();
    logger.addAppender(events);
    try {
      action.run();
    } finally {
      logger.detachAppender(events);
    }
    return events.list;
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /**
   * Regression: over h2c the sidecar waited for ever on an app that took the call and never
   * answered, where the HTTP/1.1 relay gives up after its idle limit; the caller hung until its own
   * deadline (none for many clients) and the app's stream stayed open.
   */
  @Test
  void unary_h2cAppTakesTheCallAndNeverAnswers_unavailableAndTheAppSeesTheCallCancelled()
      throws Exception {
    ManagedChannel direct = mtlsChannel(stallingB.port("stalling"), credsA.svid());
    try {
      AtomicReference<StatusRuntimeException> failure = new AtomicReference<>();
      List<ch.qos.logback.classic.spi.ILoggingEvent> events =
          logged(
              InboundListener.class,
              () ->
                  failure.set(
                      catchThrowableOfType(
                          StatusRuntimeException.class,
                          () ->
                              ClientCalls.blockingUnaryCall(
                                  direct,
                                  STALL,
                                  CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
                                  "x"))));

      Status status = failure.get().getStatus();
      assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(status.getDescription()).startsWith("the app behind stalling did not answer");
      assertThat(stallCancelled.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(events)
          .extracting(e -> e.getFormattedMessage())
          .anyMatch(
              m ->
                  m.startsWith("app unavailable: listener=stalling")
                      && m.contains("reason=the app did not answer: nothing came or went"));
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Regression: an h2c app that sent the head of its answer and a first message, then nothing, held
   * the caller's call open for ever.
   */
  @Test
  void serverStreaming_h2cAppStallsAfterItsFirstMessage_callResetAndTheAppSeesItCancelled()
      throws Exception {
    ManagedChannel direct = mtlsChannel(stallingB.port("stalling"), credsA.svid());
    try {
      CountDownLatch firstMessage = new CountDownLatch(1);
      CountDownLatch closed = new CountDownLatch(1);
      AtomicReference<Status> status = new AtomicReference<>();
      List<ch.qos.logback.classic.spi.ILoggingEvent> events =
          logged(
              Http2Relay.class,
              () -> {
                io.grpc.ClientCall<String, String> call =
                    direct.newCall(
                        WAIT, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
                call.start(
                    new io.grpc.ClientCall.Listener<>() {
                      @Override
                      public void onMessage(String message) {
                        firstMessage.countDown();
                      }

                      @Override
                      public void onClose(Status s, Metadata trailers) {
                        status.set(s);
                        closed.countDown();
                      }
                    },
                    new Metadata());
                call.request(2);
                call.sendMessage("x");
                call.halfClose();
                assertThat(firstMessage.await(10, TimeUnit.SECONDS)).isTrue();
                assertThat(closed.await(20, TimeUnit.SECONDS)).isTrue();
              });

      // The answer had begun: the caller's stream is reset (INTERNAL_ERROR), not ended as whole.
      assertThat(status.get().getCode()).isEqualTo(Status.Code.INTERNAL);
      assertThat(waitCancelled.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(events)
          .extracting(e -> e.getFormattedMessage())
          .anyMatch(
              m ->
                  m.startsWith("next hop failed after its answer began: listener=stalling")
                      && m.contains("reason=the app's answer stalled: nothing came or went"));
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** The idle limit is on a stream that carries nothing: a call that keeps moving is not cut. */
  @Test
  void bidiStreaming_answeredMessageByMessageForLongerThanTheIdleLimit_completes()
      throws Exception {
    ManagedChannel direct = mtlsChannel(stallingB.port("stalling"), credsA.svid());
    try {
      var answers = new java.util.concurrent.LinkedBlockingQueue<String>();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<Throwable> error = new AtomicReference<>();
      io.grpc.stub.StreamObserver<String> requests =
          ClientCalls.asyncBidiStreamingCall(
              direct.newCall(ECHO, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(String m) {
                  answers.add(m);
                }

                @Override
                public void onError(Throwable t) {
                  error.set(t);
                  done.countDown();
                }

                @Override
                public void onCompleted() {
                  done.countDown();
                }
              });

      // 16 messages 250 ms apart: 4 s in all, twice the idle limit of 2 s.
      List<String> got = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        requests.onNext("m" + i);
        got.add(answers.poll(10, TimeUnit.SECONDS));
        Thread.sleep(250);
      }
      requests.onCompleted();

      assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(error.get()).isNull();
      assertThat(got).hasSize(16).allMatch(a -> a != null && a.startsWith("echo m"));
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A client stream whose app answers only once it has everything: what the caller sends counts as
   * the stream moving, as bytes written count on the HTTP/1.1 relay's connection.
   */
  @Test
  void clientStreaming_sendingForLongerThanTheIdleLimitBeforeTheAnswer_completes()
      throws Exception {
    ManagedChannel direct = mtlsChannel(stallingB.port("stalling"), credsA.svid());
    try {
      var answer = new java.util.concurrent.CompletableFuture<String>();
      io.grpc.stub.StreamObserver<String> requests =
          ClientCalls.asyncClientStreamingCall(
              direct.newCall(GATHER, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
              new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(String m) {
                  answer.complete(m);
                }

                @Override
                public void onError(Throwable t) {
                  answer.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {}
              });

      // 16 messages 250 ms apart, with nothing back until the end: 4 s, twice the idle limit.
      StringBuilder sent = new StringBuilder();
      for (int i = 0; i < 16; i++) {
        requests.onNext(Integer.toString(i % 10));
        sent.append(i % 10);
        Thread.sleep(250);
      }
      requests.onCompleted();

      assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(sent.toString());
    } finally {
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static List<String> request(String... extra) {
    List<String> fields =
        new ArrayList<>(
            List.of(
                ":method",
                "POST",
                ":scheme",
                "http",
                ":path",
                "/demo.Greeter/Hello",
                ":authority",
                "greeter.internal",
                "content-type",
                "application/grpc"));
    fields.addAll(List.of(extra));
    return fields;
  }

  /**
   * Regression: HTTP/2 requests the codec resets before the sidecar reads them (a connection-
   * specific field, an upper-case field name, an unknown pseudo-header) left no event, where an
   * unreadable HTTP/1.1 head is logged as a refusal.
   */
  @Test
  void permissive_malformedHttp2Requests_eachResetStreamLoggedAsARefusalOffTheEventLoop()
      throws Exception {
    List<ch.qos.logback.classic.spi.ILoggingEvent> events = new ArrayList<>();
    Map<Integer, Long> resets = new java.util.TreeMap<>();
    AtomicReference<String> peer = new AtomicReference<>();
    events.addAll(
        logged(
            RefusalLog.class,
            () -> {
              try (Socket s = new Socket("127.0.0.1", sidecarB.port("greeter-open"))) {
                peer.set("127.0.0.1:" + s.getLocalPort());
                resets.putAll(
                    RawHttp2.send(
                        s,
                        List.of(
                            request("connection", "keep-alive"),
                            request("X-Upper", "1"),
                            request(":bogus", "1"))));
              }
              workloads.loggedAll(RefusalLog.PATH, "greeter-open", peer.get(), 3);
            }));

    assertThat(resets).containsExactly(Map.entry(1, 1L), Map.entry(3, 1L), Map.entry(5, 1L));
    assertThat(seenByB).isEmpty();
    List<DecisionRecord> refusals =
        workloads.loggedAll(RefusalLog.PATH, "greeter-open", peer.get(), 3);
    assertThat(refusals)
        .extracting(DecisionRecord::eventJson)
        .allMatch(e -> e.contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\""))
        .allMatch(e -> e.contains("refused: the HTTP/2 codec reset stream"))
        .anyMatch(e -> e.contains("\"stream\":\"1\""))
        .anyMatch(e -> e.contains("\"stream\":\"3\""))
        .anyMatch(e -> e.contains("\"stream\":\"5\""));
    assertThat(refusals).allMatch(r -> !r.allowed());
    var lines =
        events.stream()
            .filter(e -> e.getFormattedMessage().contains("peer=" + peer.get()))
            .toList();
    assertThat(lines).hasSize(3);
    assertThat(lines).allMatch(e -> !e.getThreadName().startsWith("vert.x-eventloop"));
  }

  /**
   * Regression: the inbound listener asked nothing of the host: over HTTP/2 an {@code :authority}
   * that is no host (Vert.x takes any RFC 3986 reg-name) reached the policy as {@code
   * input.request.host} and the app as its Host. It is refused before policy as at the edge, with
   * 400 and a logged refusal.
   */
  @Test
  void permissive_h2cAuthorityNotAHost_400BeforePolicyAndLogged() throws Exception {
    RawHttp2.Outcome o;
    String peer;
    try (Socket s = new Socket("127.0.0.1", sidecarB.port("greeter-open"))) {
      peer = "127.0.0.1:" + s.getLocalPort();
      o =
          RawHttp2.exchange(
              s,
              List.of(
                  List.of(
                      ":method", "GET", ":scheme", "http", ":path", "/", ":authority", "a..b")));
    }

    assertThat(o.statuses()).containsExactly(Map.entry(1, 400));
    assertThat(workloads.logged(RefusalLog.PATH, "greeter-open", peer).eventJson())
        .contains("\"refusal\":\"BAD_HOST\"")
        .contains("the :authority is not a host name");
  }

  /**
   * The same check over HTTP/1.1 (two Hosts), and a field folded over two lines (obsolete line
   * folding), which was joined with a space and relayed: both refused with 400 before policy.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "Host: greeter.internal\r\nHost: admin.internal\r\n|BAD_HOST",
        "Host: greeter.internal\r\nX-Trace: a\r\n b\r\n|BAD_FRAMING"
      })
  void permissive_http1TwoHostsOrFoldedField_400BeforePolicyAndLogged(String c) throws Exception {
    String[] caseAndCode = c.split("\\|");
    String status;
    String peer;
    try (Socket s = new Socket("127.0.0.1", sidecarB.port("greeter-open"))) {
      s.setSoTimeout(10_000);
      peer = "127.0.0.1:" + s.getLocalPort();
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\n" + caseAndCode[0] + "\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      status =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(
                      s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
              .readLine();
    }

    assertThat(status).startsWith("HTTP/1.1 400 ");
    assertThat(workloads.logged(RefusalLog.PATH, "greeter-open", peer).eventJson())
        .contains("\"refusal\":\"" + caseAndCode[1] + "\"");
  }

  /** Over mutual TLS the refusal also names the SPIFFE ID of the client's certificate. */
  @Test
  void strict_malformedHttp2RequestOverMutualTls_refusalNamesTheCallersSpiffeId() throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(
        new javax.net.ssl.KeyManager[] {new SvidKeyManager(credsA::svid)},
        new javax.net.ssl.TrustManager[] {new AnyServer()},
        null);
    try (var s =
        (javax.net.ssl.SSLSocket)
            ctx.getSocketFactory().createSocket("127.0.0.1", sidecarB.port("greeter"))) {
      var params = s.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(params);
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
      String peer = "127.0.0.1:" + s.getLocalPort();

      Map<Integer, Long> resets =
          RawHttp2.send(s, List.of(request("transfer-encoding", "chunked")));

      assertThat(resets).containsExactly(Map.entry(1, 1L));
      DecisionRecord d = workloads.logged(RefusalLog.PATH, "greeter", peer);
      assertThat(d.eventJson())
          .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
          .contains("\"peer_spiffe_id\":\"" + A + "\"");
    }
    assertThat(seenByB).isEmpty();
  }

  /**
   * Regression: the outbound listener left no event for an h2c stream its codec reset (an app that
   * sent a malformed request), where the inbound listener logs one; the stream goes nowhere, and
   * the refusal is written off the event loop with the listener's name and the app's address.
   */
  @Test
  void outbound_malformedH2cRequestFromTheApp_resetAndLoggedOffTheEventLoop() throws Exception {
    Map<Integer, Long> resets = new java.util.TreeMap<>();
    AtomicReference<String> peer = new AtomicReference<>();
    List<ch.qos.logback.classic.spi.ILoggingEvent> events =
        logged(
            RefusalLog.class,
            () -> {
              try (Socket s = new Socket("127.0.0.1", sidecarA.port("to-greeter"))) {
                peer.set("127.0.0.1:" + s.getLocalPort());
                resets.putAll(
                    RawHttp2.send(
                        s, List.of(request("proxy-connection", "keep-alive"), request(":x", "1"))));
              }
              workloads.loggedAll(RefusalLog.PATH, "to-greeter", peer.get(), 2);
            });

    assertThat(resets).containsExactly(Map.entry(1, 1L), Map.entry(3, 1L));
    assertThat(seenByB).isEmpty();
    List<DecisionRecord> refusals =
        workloads.loggedAll(RefusalLog.PATH, "to-greeter", peer.get(), 2);
    assertThat(refusals)
        .extracting(DecisionRecord::eventJson)
        .allMatch(e -> e.contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\""))
        .allMatch(e -> e.contains("\"listener\":\"to-greeter\""))
        .anyMatch(e -> e.contains("\"stream\":\"1\""))
        .anyMatch(e -> e.contains("\"stream\":\"3\""));
    var lines =
        events.stream()
            .filter(e -> e.getFormattedMessage().contains("peer=" + peer.get()))
            .toList();
    assertThat(lines).hasSize(2);
    assertThat(lines).allMatch(e -> !e.getThreadName().startsWith("vert.x-eventloop"));
  }

  /**
   * Regression: a connection the codec closed for the client's fault (GOAWAY: here a first frame
   * other than SETTINGS after the h2c preface) left no event at the sidecar's listeners. Now one
   * refusal per connection, with the error code and the codec's message, at the inbound and the
   * outbound listener alike.
   */
  @Test
  void permissiveAndOutbound_firstFrameNotSettings_eachConnectionLoggedOnce() throws Exception {
    for (var listener :
        List.of(Map.entry(sidecarB, "greeter-open"), Map.entry(sidecarA, "to-greeter"))) {
      String peer;
      RawHttp2.Ending ending;
      try (Socket s = new Socket("127.0.0.1", listener.getKey().port(listener.getValue()))) {
        peer = "127.0.0.1:" + s.getLocalPort();
        ending =
            RawHttp2.sendRaw(s, concat(RawHttp2.preface(), RawHttp2.frame(0x6, 0, 0, new byte[8])));
      }

      assertThat(ending.goAwayError()).isEqualTo(1L);
      List<DecisionRecord> refusals =
          workloads.loggedAll(RefusalLog.PATH, listener.getValue(), peer, 1);
      assertThat(refusals).hasSize(1);
      assertThat(refusals.get(0).eventJson())
          .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
          .contains("\"scope\":\"connection\"")
          .contains("\"listener\":\"" + listener.getValue() + "\"")
          .contains("\"http2_message\":");
    }
    assertThat(seenByB).isEmpty();
  }

  /** Over mutual TLS, the refusal of the connection also names the caller's SPIFFE ID. */
  @Test
  void strict_http1RequestInsteadOfThePreface_connectionLoggedWithTheCallersSpiffeId()
      throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(
        new javax.net.ssl.KeyManager[] {new SvidKeyManager(credsA::svid)},
        new javax.net.ssl.TrustManager[] {new AnyServer()},
        null);
    try (var s =
        (javax.net.ssl.SSLSocket)
            ctx.getSocketFactory().createSocket("127.0.0.1", sidecarB.port("greeter"))) {
      var params = s.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(params);
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
      String peer = "127.0.0.1:" + s.getLocalPort();

      RawHttp2.Ending ending =
          RawHttp2.sendRaw(
              s,
              "GET / HTTP/1.1\r\nHost: greeter\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));

      assertThat(ending.goAwayError()).isEqualTo(1L);
      DecisionRecord d = workloads.logged(RefusalLog.PATH, "greeter", peer);
      assertThat(d.eventJson())
          .contains("\"refusal\":\"HTTP2_PROTOCOL_ERROR\"")
          .contains("\"scope\":\"connection\"")
          .contains("\"peer_spiffe_id\":\"" + A + "\"");
    }
    assertThat(seenByB).isEmpty();
  }

  /**
   * A TLS handshake refused for its certificate is logged once, by the certificate's code; the
   * HTTP/2 codec is never reached, so no connection refusal doubles it.
   */
  @Test
  void strict_handshakeRefusedForTheCertificate_loggedOnceByItsCodeOnly() throws Exception {
    X509Svid staging = ids.issueX509(SpiffeId.parse("spiffe://staging.example/h"), List.of(), null);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(
        new javax.net.ssl.KeyManager[] {new SvidKeyManager(() -> staging)},
        new javax.net.ssl.TrustManager[] {new AnyServer()},
        null);
    String peer;
    try (var s =
        (javax.net.ssl.SSLSocket)
            ctx.getSocketFactory().createSocket("127.0.0.1", sidecarB.port("greeter"))) {
      peer = "127.0.0.1:" + s.getLocalPort();
      var params = s.getSSLParameters();
      params.setApplicationProtocols(new String[] {"h2"});
      s.setSSLParameters(params);
      s.setSoTimeout(10_000);
      try {
        s.startHandshake();
        s.getOutputStream().write(RawHttp2.preface());
        s.getInputStream().read();
      } catch (java.io.IOException refused) {
        // The server refuses the certificate: TLS 1.3 may tell it only at the first read.
      }
    }

    workloads.loggedAll(RefusalLog.PATH, "greeter", peer, 1);
    Thread.sleep(500);
    List<DecisionRecord> refusals = workloads.loggedAll(RefusalLog.PATH, "greeter", peer, 1);
    assertThat(refusals).hasSize(1);
    assertThat(refusals.get(0).eventJson())
        .contains("\"refusal\":\"NO_BUNDLE\"")
        .doesNotContain("\"scope\":\"connection\"");
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
