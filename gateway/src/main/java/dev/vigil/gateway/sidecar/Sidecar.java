package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SidecarConfig.Protocol;
import dev.vigil.gateway.upstream.DirectUpstream;
import dev.vigil.gateway.upstream.UpstreamClients;
import dev.vigil.identity.RevocationList;
import dev.vigil.identity.X509SvidValidator;
import dev.vigil.pdp.BindFailure;
import dev.vigil.pdp.CodecResets;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.HeadDeadline;
import io.netty.channel.ChannelPipeline;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.TrustOptions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The gateway in sidecar mode: the enforcement point next to one workload. Inbound listeners take
 * mutual TLS from other workloads, verify the peer as an X.509-SVID of a trusted domain before any
 * policy, ask the decision point and forward to the app on loopback; outbound listeners let the app
 * call other workloads over mutual TLS with plain HTTP.
 *
 * <p>HTTP/1.1 and HTTP/2 both cross: inbound TLS offers {@code h2} and {@code http/1.1} by ALPN and
 * plaintext takes HTTP/2 with prior knowledge; outbound plaintext takes both, and HTTP/2 goes on
 * over HTTP/2. With an inbound listener's {@code app_protocol: h2c} the app is reached over HTTP/2
 * in cleartext, so gRPC works end to end, trailers included. Listeners with {@code protocol: tcp}
 * carry byte streams instead, decided when they open and again whenever the decision point's policy
 * changes ({@link TcpInbound}, {@link TcpOutbound}).
 *
 * <p>The TCP listeners run on an event loop of their own with Java's NIO transport, the HTTP
 * listeners on the native one. A TCP connection is kept half-closed (its peer has sent its last
 * byte and still reads the answer), and Netty 4.2.18's epoll transport loses such a connection when
 * it is paused for backpressure as its peer's end arrives: with nothing left to wait for, the
 * socket is taken out of epoll, the next resume or full socket buffer fails with {@code ENOENT},
 * and Netty closes the connection with the rest of the answer unsent.
 *
 * <p>The workload's SVID and bundles come from the Workload API through {@link WorkloadCredentials}
 * and are read at every handshake, so rotation needs no restart. Start with {@link #start}, stop
 * with {@link #close}. Thread-safe.
 */
public final class Sidecar implements AutoCloseable {

  private final Vertx vertx;

  /** The TCP listeners' Vert.x (NIO), or null when there is none. */
  private final Vertx tcpVertx;

  private final Map<String, Integer> ports;
  private final CallKeepAlive keepAlive;

  /** The port of the assertion keys' listener, or -1 when there is none. */
  private final int jwksPort;

  /** Stops hearing the decision point's policy changes. */
  private final Runnable unhear;

  private Sidecar(
      Vertx vertx,
      Vertx tcpVertx,
      Map<String, Integer> ports,
      CallKeepAlive keepAlive,
      int jwksPort,
      Runnable unhear) {
    this.vertx = vertx;
    this.tcpVertx = tcpVertx;
    this.ports = ports;
    this.keepAlive = keepAlive;
    this.jwksPort = jwksPort;
    this.unhear = unhear;
  }

  /**
   * How long a connection may carry no byte before it is closed, and how often the HTTP/2
   * connections of a call under way are pinged so that a quiet call outlives that ({@link
   * CallKeepAlive}); the interval must be shorter than both timeouts.
   *
   * @param peerIdleSeconds outbound connections to another sidecar
   * @param listenerIdleSeconds connections to the sidecar's listeners
   * @param appIdleMillis how long an HTTP/2 stream to an {@code h2c} app may carry nothing either
   *     way, the wait for its answer included, before it is reset: the HTTP/1.1 relay's idle limit
   *     on its connections to the app ({@link DirectUpstream#IDLE_SECONDS})
   * @param tcpIdleSeconds how long a TCP listener's connection, and the connection it opened, may
   *     carry no byte either way before both are closed, unless the listener sets its own {@code
   *     idle_timeout}
   * @param revalidateMillis how often the certificate chain of each open TCP connection's caller is
   *     verified again, against the trust bundles and revoked serials of the moment
   */
  record Timeouts(
      int peerIdleSeconds,
      int listenerIdleSeconds,
      long pingMillis,
      long appIdleMillis,
      int tcpIdleSeconds,
      long revalidateMillis) {
    /** A TCP connection's idle limit: an hour, Istio's for TCP; database sessions sit idle long. */
    static final int TCP_IDLE_SECONDS = 3600;

    /**
     * How often an open TCP connection's caller chain is verified again: as often as {@code vigil
     * sidecar} rereads the revoked serials by default ({@code --poll-interval}).
     */
    static final long REVALIDATE_MILLIS = 5_000;

    static final Timeouts DEFAULT =
        new Timeouts(
            30,
            60,
            CallKeepAlive.DEFAULT_INTERVAL_MS,
            1000L * DirectUpstream.IDLE_SECONDS,
            TCP_IDLE_SECONDS,
            REVALIDATE_MILLIS);

    Timeouts(int peerIdleSeconds, int listenerIdleSeconds, long pingMillis, long appIdleMillis) {
      this(
          peerIdleSeconds,
          listenerIdleSeconds,
          pingMillis,
          appIdleMillis,
          TCP_IDLE_SECONDS,
          REVALIDATE_MILLIS);
    }

    /** The default timeouts with TCP connections' chains verified again every {@code millis}. */
    static Timeouts revalidatingEvery(long millis) {
      Timeouts d = DEFAULT;
      return new Timeouts(
          d.peerIdleSeconds(),
          d.listenerIdleSeconds(),
          d.pingMillis(),
          d.appIdleMillis(),
          d.tcpIdleSeconds(),
          millis);
    }

    Timeouts {
      if (tcpIdleSeconds <= 0) {
        throw new IllegalArgumentException(
            "tcp idle limit must be positive, got " + tcpIdleSeconds + " s");
      }
      if (revalidateMillis <= 0) {
        throw new IllegalArgumentException(
            "revalidation interval must be positive, got " + revalidateMillis + " ms");
      }
      if (appIdleMillis <= 0) {
        throw new IllegalArgumentException(
            "app idle limit must be positive, got " + appIdleMillis + " ms");
      }
      if (pingMillis >= 1000L * Math.min(peerIdleSeconds, listenerIdleSeconds)) {
        throw new IllegalArgumentException(
            "ping interval " + pingMillis + " ms is not shorter than the idle timeouts");
      }
    }
  }

  /**
   * Starts every listener of {@code config}.
   *
   * @param revocations serials refused even when their chain verifies
   * @param assertion signs identity assertions for the app, or null to send none
   * @throws IllegalStateException naming the listener and address that could not be bound
   */
  public static Sidecar start(
      SidecarConfig config,
      WorkloadCredentials credentials,
      DecisionPoint pdp,
      RevocationList revocations,
      InstantSource clock,
      IdentityAssertion assertion) {
    return start(config, credentials, pdp, revocations, clock, assertion, Timeouts.DEFAULT);
  }

  /** Starts every listener of {@code config} with other timeouts (tests). */
  static Sidecar start(
      SidecarConfig config,
      WorkloadCredentials credentials,
      DecisionPoint pdp,
      RevocationList revocations,
      InstantSource clock,
      IdentityAssertion assertion,
      Timeouts timeouts) {
    Vertx vertx =
        Vertx.vertx(new VertxOptions().setPreferNativeTransport(true).setEventLoopPoolSize(1));
    boolean tcp =
        config.inbound().stream().anyMatch(in -> in.protocol() == Protocol.TCP)
            || config.outbound().stream().anyMatch(out -> out.protocol() == Protocol.TCP);
    // NIO for the half-closed connections of TCP listeners: see the class comment.
    Vertx tcpVertx =
        tcp
            ? Vertx.vertx(
                new VertxOptions().setPreferNativeTransport(false).setEventLoopPoolSize(1))
            : null;
    X509SvidValidator validator = new X509SvidValidator(credentials.bundles(), revocations, clock);
    SvidKeyManager keys = new SvidKeyManager(credentials::svid);
    RefusalLog refusals = new RefusalLog(pdp, clock);
    CallKeepAlive keepAlive = new CallKeepAlive(vertx, timeouts.pingMillis());
    Map<String, Integer> ports = new LinkedHashMap<>();
    int jwksPort = -1;
    // Open TCP connections are decided again when the policy changes, from the first one on.
    List<TcpInbound> tcpInbound = new CopyOnWriteArrayList<>();
    Runnable unhear = pdp.onPolicyChange(() -> tcpInbound.forEach(TcpInbound::policyChanged));
    try {
      // The app is plain HTTP on loopback: relayed on the request's own event loop.
      DirectUpstream app = new DirectUpstream(vertx);
      // Apps that speak HTTP/2 in cleartext (gRPC servers) share one client, made when needed.
      HttpClient h2cApp =
          config.inbound().stream().anyMatch(in -> in.appProtocol() == AppProtocol.H2C)
              ? UpstreamClients.pooled(vertx, h2cAppOptions(), new PoolOptions().setHttp2MaxSize(4))
              : null;
      for (Inbound in : config.inbound()) {
        if (in.protocol() == Protocol.TCP) {
          var verifier = new PeerVerifier(in.name(), validator, null, refusals);
          var listener =
              new TcpInbound(
                  tcpVertx,
                  in,
                  validator,
                  pdp,
                  refusals,
                  clock,
                  tcpVertx.createNetClient(tcpClient(tcpIdle(in.idleTimeout(), timeouts))),
                  credentials::spiffeId,
                  timeouts.revalidateMillis());
          tcpInbound.add(listener);
          NetServerOptions tls =
              tcpServer(in.host(), in.port(), tcpIdle(in.idleTimeout(), timeouts))
                  .setSsl(true)
                  .setKeyCertOptions(KeyCertOptions.wrap(keys))
                  .setTrustOptions(TrustOptions.wrap(verifier))
                  // REQUEST, as on an HTTP listener: a caller without a certificate is refused
                  // by the listener with a logged reason instead of a bare handshake alert.
                  .setClientAuth(ClientAuth.REQUEST);
          ports.put(in.name(), listenTcp(tcpVertx, tls, listener::handle, in.name()));
          continue;
        }
        var listener =
            new InboundListener(
                vertx,
                in,
                validator,
                pdp,
                refusals,
                clock,
                app,
                h2cApp,
                keepAlive,
                assertion,
                timeouts.appIdleMillis(),
                credentials::spiffeId);
        var verifier = new PeerVerifier(in.name(), validator, null, refusals);
        ports.put(in.name(), startInbound(vertx, in, listener, keys, verifier, timeouts));
      }
      for (Outbound out : config.outbound()) {
        var verifier = new PeerVerifier(out.name(), validator, out.expected(), refusals);
        if (out.protocol() == Protocol.TCP) {
          int idle = tcpIdle(out.idleTimeout(), timeouts);
          NetClientOptions tls =
              tcpClient(idle)
                  .setSsl(true)
                  .setKeyCertOptions(KeyCertOptions.wrap(keys))
                  .setTrustOptions(TrustOptions.wrap(verifier))
                  // An SVID names a workload, not a host: the verifier checks the SPIFFE ID.
                  .setHostnameVerificationAlgorithm("");
          var listener =
              new TcpOutbound(
                  tcpVertx,
                  out,
                  tcpVertx.createNetClient(tls),
                  validator,
                  refusals,
                  clock,
                  timeouts.revalidateMillis());
          ports.put(
              out.name(),
              listenTcp(
                  tcpVertx, tcpServer(out.host(), out.port(), idle), listener::handle, out.name()));
          continue;
        }
        HttpClientOptions tls = clientTls(keys, verifier, timeouts);
        HttpClientOptions h2 =
            clientTls(keys, verifier, timeouts)
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2));
        var listener =
            new OutboundListener(
                vertx,
                out,
                refusals,
                () -> credentials.svid().serial(),
                // HTTP/1.1 connections with bytes past an answer are closed, not reused (a peer
                // that does not choose h2 by ALPN is spoken to over HTTP/1.1 on the h2 pool too).
                told ->
                    UpstreamClients.pooled(vertx, tls, new PoolOptions().setHttp1MaxSize(32), told),
                told ->
                    UpstreamClients.pooled(vertx, h2, new PoolOptions().setHttp2MaxSize(4), told),
                keepAlive,
                validator,
                timeouts.revalidateMillis());
        HttpServerOptions local = plain(out.host(), out.port(), timeouts);
        ports.put(
            out.name(),
            listen(
                vertx,
                local,
                listener::handle,
                listener::invalid,
                pipeline -> CodecResets.install(pipeline, listener),
                out.name()));
      }
      SidecarConfig.Address jwks = config.assertionJwks();
      if (jwks != null && assertion != null) {
        jwksPort =
            listen(
                vertx,
                plain(jwks.host(), jwks.port(), timeouts),
                req -> serveKeys(req, assertion),
                // As every Vigil listener answers a head that cannot be read: 400, 414 or 431,
                // with the connection closed, since nothing after it on the connection can be read.
                HttpServerRequest.DEFAULT_INVALID_REQUEST_HANDLER,
                pipeline -> {},
                "assertion_jwks");
      }
    } catch (RuntimeException e) {
      unhear.run();
      vertx.close();
      if (tcpVertx != null) {
        tcpVertx.close();
      }
      throw e;
    }
    return new Sidecar(vertx, tcpVertx, ports, keepAlive, jwksPort, unhear);
  }

  /** A TCP listener's idle limit in seconds: its own {@code idle_timeout}, else the default. */
  private static int tcpIdle(Duration configured, Timeouts timeouts) {
    return configured == null ? timeouts.tcpIdleSeconds() : (int) configured.toSeconds();
  }

  private static int startInbound(
      Vertx vertx,
      Inbound in,
      InboundListener listener,
      SvidKeyManager keys,
      PeerVerifier verifier,
      Timeouts timeouts) {
    boolean strict = in.peerMode() == PeerMode.STRICT;
    HttpServerOptions tls =
        (strict ? plain(in.host(), in.port(), timeouts) : plain("127.0.0.1", 0, timeouts))
            .setSsl(true)
            // gRPC needs HTTP/2; clients that offer no ALPN, or only http/1.1, get HTTP/1.1.
            .setUseAlpn(true)
            .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
            .setKeyCertOptions(KeyCertOptions.wrap(keys))
            .setTrustOptions(TrustOptions.wrap(verifier))
            // REQUEST, not REQUIRED: a caller without a certificate reaches the handler, which
            // refuses it on a STRICT port with a logged reason instead of a bare handshake alert.
            .setClientAuth(ClientAuth.REQUEST);
    // Streams the HTTP/2 codec resets never reach the handler: their resets are read off the wire.
    Consumer<ChannelPipeline> resets = pipeline -> CodecResets.install(pipeline, listener);
    int tlsPort = listen(vertx, tls, listener::handle, listener::invalid, resets, in.name());
    if (strict) {
      return tlsPort;
    }
    int plainPort =
        listen(
            vertx,
            plain("127.0.0.1", 0, timeouts),
            listener::handle,
            listener::invalid,
            resets,
            in.name());
    PermissiveFront front =
        await(
            PermissiveFront.start(vertx, in.host(), in.port(), tlsPort, plainPort),
            in.name(),
            in.host(),
            in.port());
    listener.front(front);
    return front.port();
  }

  private static HttpClientOptions clientTls(
      SvidKeyManager keys, PeerVerifier verifier, Timeouts timeouts) {
    return new HttpClientOptions()
        .setSsl(true)
        .setKeyCertOptions(KeyCertOptions.wrap(keys))
        .setTrustOptions(TrustOptions.wrap(verifier))
        // An SVID names a workload, not a host: the verifier checks the SPIFFE ID instead.
        .setVerifyHost(false)
        .setKeepAlive(true)
        .setIdleTimeout(timeouts.peerIdleSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS)
        .setConnectTimeout(5_000);
  }

  /** HTTP/2 with prior knowledge (RFC 9113 section 3.3) to an app on loopback, over TCP. */
  private static HttpClientOptions h2cAppOptions() {
    return new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false)
        .setKeepAlive(true)
        .setConnectTimeout(5_000);
  }

  /** A TCP listener's server: its connections idle out after {@code idleSeconds}. */
  private static NetServerOptions tcpServer(String host, int port, int idleSeconds) {
    return new NetServerOptions()
        .setHost(host)
        .setPort(port)
        .setIdleTimeout(idleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  /** The client a TCP listener connects with, to the app or to another sidecar. */
  private static NetClientOptions tcpClient(int idleSeconds) {
    return new NetClientOptions()
        .setConnectTimeout(5_000)
        .setIdleTimeout(idleSeconds)
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  private static int listenTcp(
      Vertx vertx, NetServerOptions options, Handler<NetSocket> handler, String name) {
    Future<NetServer> f = vertx.createNetServer(options).connectHandler(handler).listen();
    return await(f, name, options.getHost(), options.getPort()).actualPort();
  }

  private static HttpServerOptions plain(String host, int port, Timeouts timeouts) {
    return new HttpServerOptions()
        .setHost(host)
        .setPort(port)
        // HTTP/1.1, and HTTP/2 with prior knowledge (h2c): what a plaintext gRPC client sends.
        .setHttp2ClearTextEnabled(true)
        .setIdleTimeout(timeouts.listenerIdleSeconds())
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  private static int listen(
      Vertx vertx,
      HttpServerOptions options,
      Handler<HttpServerRequest> handler,
      Handler<HttpServerRequest> invalid,
      Consumer<ChannelPipeline> onConnection,
      String name) {
    Future<HttpServer> f =
        HeadDeadline.createHttpServer(vertx, options, onConnection)
            .requestHandler(handler)
            .invalidRequestHandler(invalid)
            .listen();
    return await(f, name, options.getHost(), options.getPort()).actualPort();
  }

  private static <T> T await(Future<T> f, String name, String host, int port) {
    try {
      return f.await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "sidecar listener "
              + name
              + ": cannot listen on "
              + host
              + ":"
              + port
              + ": "
              + BindFailure.reason(e),
          e);
    }
  }

  /**
   * Answers the public keys of the identity assertions this sidecar signs, at the gateway's
   * well-known path, so that an app verifies them with the SDK as it verifies the edge gateway's.
   * The key is made at each start: an app reading the set by URL meets the new key id and reads the
   * set again at once.
   */
  private static void serveKeys(HttpServerRequest req, IdentityAssertion assertion) {
    // No answer here invites a body held back for 100 Continue: the connection closes after it,
    // before bytes sent later could be read as a request of their own.
    RequestBodies.closeIfWithheld(req);
    if (!req.path().equals(IdentityAssertion.JWKS_PATH)) {
      req.response().setStatusCode(404).end();
    } else if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("Allow", "GET, HEAD").end();
    } else {
      req.response()
          .putHeader("Content-Type", "application/json")
          .putHeader("Cache-Control", "max-age=" + IdentityAssertion.JWKS_MAX_AGE.toSeconds())
          .end(assertion.jwks());
    }
  }

  /**
   * Returns the port on which the assertion keys are served ({@code assertion_jwks}), or -1 when
   * they are served nowhere.
   */
  public int assertionJwksPort() {
    return jwksPort;
  }

  /** Returns the port a listener is bound to, by name. */
  public int port(String listener) {
    Integer p = ports.get(listener);
    if (p == null) {
      throw new IllegalArgumentException("no sidecar listener named \"" + listener + "\"");
    }
    return p;
  }

  /** Returns how many connections calls under way keep open now (tests). */
  int heldConnections() {
    return keepAlive.held();
  }

  @Override
  public void close() {
    unhear.run();
    Future<Void> tcpClosed = tcpVertx == null ? Future.succeededFuture() : tcpVertx.close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
      tcpClosed.await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Best effort at shutdown.
    }
  }
}
