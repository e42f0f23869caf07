package dev.vigil.gateway.upstream;

import dev.vigil.gateway.http.AnswerHygiene;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.spi.transport.Transport;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Relays requests to plain HTTP/1.1 upstreams over keep-alive connections that live on the event
 * loop of the request being relayed.
 *
 * <p>Why not Vert.x's {@code HttpClient}: on the gateway's path each request went through the
 * client's connection pool, its stream set-up and its header validation, which together were about
 * half of the event loop's time under load. Here a request takes an idle connection of its own loop
 * (no locks, no hop between threads), its head is written once with headers the gateway already
 * cleaned, and the answer is piped back as it arrives.
 *
 * <p>Semantics kept from the pooled client: connections are reused while both sides keep them
 * alive, at most {@value #IDLE_PER_ADDRESS} idle ones are kept per upstream and loop, a connection
 * idle for {@value #IDLE_SECONDS} s (waiting for an answer included) is closed, connecting gives up
 * after {@value #CONNECT_MILLIS} ms. A request without a body that meets a kept-alive connection
 * the upstream had just closed is sent once more on a new connection, as nothing of it was
 * processed. Flow control both ways: the client is paused while the upstream connection cannot take
 * more, and the upstream is no longer read while the client's connection is full.
 *
 * <p>Every event of an exchange (the connection made, a piece of the client's body, the upstream's
 * answer, either side closing) is a continuation of the client's request, guarded by {@link
 * RequestGuard}: a fault in one drops the upstream connection and answers the client 502, or cuts
 * an answer already begun.
 *
 * <p>Only for plain {@code http://} upstreams; TLS and mutual TLS go through {@link
 * UpstreamClients}. Thread-safe; each connection is used by one exchange at a time, on its loop.
 */
public final class DirectUpstream {

  static final int IDLE_PER_ADDRESS = 64;

  /**
   * How long an upstream connection may carry nothing either way, the wait for the answer included,
   * before its exchange fails; the sidecar holds its HTTP/2 streams to the app to it too.
   */
  public static final int IDLE_SECONDS = 60;

  static final int CONNECT_MILLIS = 5_000;

  private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("vigil.exchange");

  private final Transport transport;
  private final Map<EventLoop, LoopConnections> loops = new ConcurrentHashMap<>();

  public DirectUpstream(Vertx vertx) {
    this.transport = ((VertxInternal) vertx).transport();
  }

  /**
   * Sends the request to {@code host:port} with the given head, the client's body following as it
   * arrives, and answers the client with the upstream's status, end-to-end headers (less those
   * Vigil writes itself, see {@link AnswerHygiene}) and body. Must be called on the request's event
   * loop, with the request paused.
   *
   * @param headers the end-to-end headers to send; the framing of the body is set here, and so is
   *     the {@code Host} header ({@code host:port}) unless {@code headers} already carry one, which
   *     is then sent as given (a sidecar keeps its client's {@code Host} for the app)
   * @param route the route or listener relaying, for the log of a fault
   * @param decisionId the request's decision id, sent back with the 502 of a fault
   * @return a future that succeeds once the answer's head is on its way to the client, or fails,
   *     with nothing sent to the client, when the upstream could not be reached or failed before
   *     its answer began, or at once, with nothing sent upstream, for a {@code CONNECT}; after a
   *     fault of the relay itself (answered here) it does not complete
   */
  public Future<Void> relay(
      HttpServerRequest req,
      String host,
      int port,
      String uri,
      HttpHeaders headers,
      String route,
      String decisionId) {
    HttpMethod method = HttpMethod.valueOf(req.method().name());
    if (HttpMethod.CONNECT.equals(method)) {
      // Once a CONNECT is answered 2xx the codec reads no more HTTP on that connection (RFC 9110
      // §9.3.6: it is a tunnel), so the next exchange given the connection would never see its
      // answer. Nothing here relays tunnels: the request is not sent.
      return Future.failedFuture(new IOException("a CONNECT request is not relayed upstream"));
    }
    ContextInternal ctx = ContextInternal.current();
    EventLoop loop = ctx.nettyEventLoop();
    LoopConnections conns = loops.computeIfAbsent(loop, l -> new LoopConnections(l, transport));
    String authority = port == 80 ? host : host + ":" + port;
    if (!headers.contains(HttpHeaderNames.HOST)) {
      headers.set(HttpHeaderNames.HOST, authority);
    }
    boolean hasBody = framing(req, headers);
    Exchange ex =
        new Exchange(
            req,
            conns,
            host,
            port,
            authority,
            method,
            uri,
            headers,
            hasBody,
            ctx.promise(),
            route,
            decisionId);
    try {
      ex.start(true);
    } catch (RuntimeException e) {
      // Sent on a kept connection at once, the request's first step runs here: its fault is the
      // exchange's too, so that the connection it took is dropped rather than left attached.
      ex.faulted(e);
    }
    return ex.answered.future();
  }

  /** Sets the body's framing as the client sent it; returns true when there is a body. */
  private static boolean framing(HttpServerRequest req, HttpHeaders headers) {
    headers.remove(HttpHeaderNames.CONTENT_LENGTH);
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    return switch (ProxyExchange.framing(req)) {
      case LENGTH -> {
        String length = req.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        yield !length.equals("0");
      }
      case CHUNKED -> {
        headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        yield true;
      }
      case NONE -> false;
    };
  }

  /**
   * Closes the idle connections of every loop; connections in use close when their exchange ends.
   */
  public void close() {
    loops.values().forEach(l -> l.loop.execute(l::closeIdle));
  }

  /** The idle connections of one event loop, by upstream address; used on that loop only. */
  private static final class LoopConnections {
    final EventLoop loop;
    final Bootstrap bootstrap;
    final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

    LoopConnections(EventLoop loop, Transport transport) {
      this.loop = loop;
      this.bootstrap =
          new Bootstrap()
              .group(loop)
              .channelFactory(transport.channelFactory(false))
              .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_MILLIS)
              .option(ChannelOption.TCP_NODELAY, true)
              .handler(
                  new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      AnswerDecoder answers = new AnswerDecoder();
                      ch.pipeline()
                          .addLast(answers)
                          .addLast(new RequestEncoder(answers))
                          .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS))
                          .addLast(new AnswerHandler());
                    }
                  });
    }

    Channel takeIdle(String address) {
      ArrayDeque<Channel> q = idle.get(address);
      Channel ch;
      while (q != null && (ch = q.pollLast()) != null) {
        if (ch.isActive()) {
          return ch;
        }
      }
      return null;
    }

    void giveBack(String address, Channel ch) {
      ArrayDeque<Channel> q = idle.computeIfAbsent(address, a -> new ArrayDeque<>());
      if (q.size() >= IDLE_PER_ADDRESS) {
        ch.close();
        return;
      }
      q.addLast(ch);
    }

    void closeIdle() {
      idle.values().forEach(q -> q.forEach(Channel::close));
      idle.clear();
    }
  }

  /** One request on its way up and its answer on its way back. */
  private static final class Exchange {
    final HttpServerRequest req;
    final HttpServerResponse answer;
    final LoopConnections conns;
    final String host;
    final int port;
    final String address;
    final HttpMethod method;
    final String uri;
    final HttpHeaders headers;
    final boolean hasBody;
    final Promise<Void> answered;
    final String route;
    final String decisionId;

    /** Lets go of the upstream connection after a fault; made once per exchange. */
    final Runnable release = this::drop;

    Channel ch;
    HttpResponse lastHead;
    boolean reused;
    boolean headRelayed;
    boolean done;

    Exchange(
        HttpServerRequest req,
        LoopConnections conns,
        String host,
        int port,
        String address,
        HttpMethod method,
        String uri,
        HttpHeaders headers,
        boolean hasBody,
        Promise<Void> answered,
        String route,
        String decisionId) {
      this.req = req;
      this.answer = req.response();
      this.conns = conns;
      this.host = host;
      this.port = port;
      this.address = address;
      this.method = method;
      this.uri = uri;
      this.headers = headers;
      this.hasBody = hasBody;
      this.answered = answered;
      this.route = route;
      this.decisionId = decisionId;
    }

    /** Returns {@code step} run as a continuation of the client's request (see RequestGuard). */
    <T> Handler<T> guarded(Handler<T> step) {
      return RequestGuard.guard(req, route, decisionId, 502, release, step);
    }

    /** A step of this exchange threw: the upstream connection goes, and the client is answered. */
    void faulted(RuntimeException fault) {
      drop();
      RequestGuard.failed(req, route, decisionId, 502, fault);
    }

    /** Ends the exchange without a word to either side: the upstream connection is closed. */
    private void drop() {
      done = true;
      if (ch != null && ch.attr(EXCHANGE).get() == this) {
        ch.attr(EXCHANGE).set(null);
        ch.close();
      }
    }

    /** Sends the request on an idle connection, or a new one when there is none (or no reuse). */
    void start(boolean mayReuse) {
      Channel idle = mayReuse ? conns.takeIdle(address) : null;
      if (idle != null) {
        reused = true;
        send(idle);
        return;
      }
      reused = false;
      ChannelFuture cf = conns.bootstrap.connect(host, port);
      Handler<ChannelFuture> connected =
          guarded(
              f -> {
                if (f.isSuccess()) {
                  send(f.channel());
                } else {
                  fail(f.cause());
                }
              });
      cf.addListener((ChannelFuture f) -> connected.handle(f));
    }

    private void send(Channel channel) {
      ch = channel;
      ch.attr(EXCHANGE).set(this);
      answer.closeHandler(guarded(v -> abort()));
      if (!hasBody) {
        HttpRequest head =
            new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                method,
                uri,
                Unpooled.EMPTY_BUFFER,
                headers,
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        ch.writeAndFlush(head);
        // The request ends with its head; let Vert.x see its end.
        RequestBodies.resume(req);
        return;
      }
      ch.writeAndFlush(new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, uri, headers));
      req.handler(
          guarded(
              chunk -> {
                if (done) {
                  return;
                }
                ch.writeAndFlush(
                    new DefaultHttpContent(Unpooled.wrappedBuffer(chunk.getBytes())),
                    ch.voidPromise());
                if (!ch.isWritable()) {
                  req.pause();
                }
              }));
      req.endHandler(
          guarded(
              v -> {
                if (!done) {
                  ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
                }
              }));
      req.exceptionHandler(guarded(e -> abort()));
      RequestBodies.resume(req);
    }

    private static boolean idempotent(HttpMethod m) {
      return m == HttpMethod.GET
          || m == HttpMethod.HEAD
          || m == HttpMethod.OPTIONS
          || m == HttpMethod.PUT
          || m == HttpMethod.DELETE;
    }

    /** The upstream connection can take more of the client's body. */
    void writable() {
      if (!done && hasBody && ch.isWritable()) {
        RequestBodies.resume(req);
      }
    }

    void head(HttpResponse r) {
      int status = r.status().code();
      if (status == 101) {
        // Upgrades go through the WebSocket relay; one here was not asked for.
        fail(new IOException("the upstream switched protocols unasked"));
        return;
      }
      if (status < 200) {
        return; // an interim answer; the final one follows
      }
      lastHead = r;
      headRelayed = true;
      answer.setStatusCode(status);
      answer.setStatusMessage(r.status().reasonPhrase());
      boolean length = false;
      // Fields the app's Connection names are options of its connection to the gateway only.
      Set<String> named = ProxyExchange.connectionOptions(r.headers());
      for (var it = r.headers().iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> h = it.next();
        CharSequence n = h.getKey();
        if (AsciiString.contentEqualsIgnoreCase(n, HttpHeaderNames.CONTENT_LENGTH)) {
          length = true;
          answer.headers().add(n, h.getValue());
        } else if (ProxyExchange.relayed(n, named) && !AnswerHygiene.owned(n, h.getValue())) {
          answer.headers().add(n, h.getValue());
        }
      }
      if (!length) {
        answer.setChunked(true);
      }
      answer.drainHandler(guarded(v -> ch.config().setAutoRead(true)));
      answered.complete();
    }

    void content(HttpContent c) {
      if (!headRelayed) {
        c.release();
        return;
      }
      Buffer chunk = null;
      if (c.content().isReadable()) {
        chunk = BufferInternal.safeBuffer(c.content());
      } else {
        c.release();
      }
      if (c instanceof LastHttpContent) {
        // The last piece goes out with the end: one write to the client, not two.
        finish(HttpUtil.isKeepAlive(lastHead), chunk);
        return;
      }
      if (chunk != null) {
        answer.write(chunk);
      }
      if (answer.writeQueueFull()) {
        ch.config().setAutoRead(false);
      }
    }

    private void finish(boolean keepAlive, Buffer lastChunk) {
      done = true;
      Channel c = ch;
      c.attr(EXCHANGE).set(null);
      c.config().setAutoRead(true);
      if (lastChunk == null) {
        answer.end();
      } else {
        answer.end(lastChunk);
      }
      // Bytes already read past this answer belong to no request sent: kept, they would begin
      // the answer the next exchange on this connection reads (response splitting by the app).
      AnswerDecoder answers = c.pipeline().get(AnswerDecoder.class);
      if (keepAlive && req.isEnded() && answers != null && !answers.holdsMore()) {
        conns.giveBack(address, c);
      } else {
        c.close();
      }
    }

    /** The upstream connection closed or failed. */
    void broken(Throwable cause) {
      if (done) {
        return;
      }
      if (!headRelayed && reused && !hasBody && idempotent(method)) {
        // A kept-alive connection the upstream had closed as the request went out: send it once
        // more on a new connection, which RFC 9110 section 9.2.2 allows for idempotent methods.
        ch.attr(EXCHANGE).set(null);
        start(false);
        return;
      }
      fail(cause);
    }

    private void fail(Throwable cause) {
      if (done) {
        return;
      }
      done = true;
      if (ch != null) {
        ch.attr(EXCHANGE).set(null);
        ch.close();
      }
      if (headRelayed) {
        // The answer has begun: the client sees its connection cut, not a made-up ending.
        answer.reset();
      } else {
        answered.tryFail(cause);
      }
    }

    /** The client went away or its request failed: drop the upstream connection. */
    void abort() {
      if (!done) {
        fail(new IOException("the client connection closed"));
      }
    }
  }

  /**
   * Reads the upstream's answers, as Netty's client codec does (an answer to a {@code HEAD} has no
   * body, an interim answer leaves its request waiting for the final one), and keeps bytes the
   * upstream sent past an answer from being read as the next one.
   *
   * <p>Bytes past the answer in the read that ended it are still held when the answer ends ({@link
   * #holdsMore}), and the exchange then closes the connection. Bytes that come in a later read,
   * while the connection waits idle for the next exchange, are refused here, before they are
   * decoded: even the first few bytes of an answer head, which would not yet make a message for
   * {@link AnswerHandler} to see, and whose rest, read after the next request went out, would be
   * its answer. The connection is closed instead, and the next exchange takes another.
   */
  private static final class AnswerDecoder extends HttpResponseDecoder {

    /** The methods of the requests written whose final answer has not been read, oldest first. */
    final ArrayDeque<HttpMethod> waiting = new ArrayDeque<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      if (msg instanceof ByteBuf bytes
          && bytes.isReadable()
          && ctx.channel().attr(EXCHANGE).get() == null) {
        // An idle connection: no request of an exchange is waiting for these bytes.
        bytes.release();
        ctx.close();
        return;
      }
      super.channelRead(ctx, msg);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      if (msg instanceof HttpResponse r && r.status().code() < 200) {
        return super.isContentAlwaysEmpty(msg);
      }
      return HttpMethod.HEAD.equals(waiting.poll()) || super.isContentAlwaysEmpty(msg);
    }

    /** Whether bytes not yet read as an answer are held, when an answer has just ended. */
    boolean holdsMore() {
      return actualReadableBytes() > 0;
    }
  }

  /** Writes requests, noting each one's method for {@link AnswerDecoder}. */
  private static final class RequestEncoder extends HttpRequestEncoder {

    private final AnswerDecoder answers;

    RequestEncoder(AnswerDecoder answers) {
      this.answers = answers;
    }

    @Override
    protected void encodeInitialLine(io.netty.buffer.ByteBuf buf, HttpRequest request)
        throws Exception {
      answers.waiting.add(request.method());
      super.encodeInitialLine(buf, request);
    }
  }

  /**
   * Hands the upstream's answer to the exchange of its connection. Its events are continuations of
   * the client's request: a fault in one is the exchange's (see {@link Exchange#faulted}), not the
   * connection's, which Netty would otherwise hand to {@code exceptionCaught} as a broken upstream.
   */
  private static final class AnswerHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      Exchange ex = ctx.channel().attr(EXCHANGE).get();
      if (ex == null) {
        // An answer nobody asked for on an idle connection: the connection is not trusted further.
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      try {
        read(ex, msg);
      } catch (RuntimeException e) {
        ex.faulted(e);
      }
    }

    private static void read(Exchange ex, Object msg) {
      if (msg instanceof HttpResponse r) {
        if (r.decoderResult().isFailure()) {
          ReferenceCountUtil.release(msg);
          // A connection that spoke nonsense is not tried again.
          ex.fail(new IOException("the upstream sent a malformed answer"));
          return;
        }
        ex.head(r);
      }
      if (msg instanceof HttpContent c) {
        if (c.decoderResult().isFailure()) {
          c.release();
          ex.fail(new IOException("the upstream sent a malformed body"));
          return;
        }
        ex.content(c);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      Exchange ex = ctx.channel().attr(EXCHANGE).get();
      if (ex != null) {
        try {
          ex.writable();
        } catch (RuntimeException e) {
          ex.faulted(e);
        }
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      Exchange ex = ctx.channel().attr(EXCHANGE).get();
      if (ex != null) {
        ex.broken(new IOException("the upstream closed the connection"));
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent) {
        Exchange ex = ctx.channel().attr(EXCHANGE).get();
        if (ex != null) {
          ex.fail(new IOException("the upstream did not answer within " + IDLE_SECONDS + " s"));
        } else {
          ctx.close();
        }
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Exchange ex = ctx.channel().attr(EXCHANGE).get();
      if (ex != null) {
        ex.broken(cause);
      } else {
        ctx.close();
      }
    }
  }
}
