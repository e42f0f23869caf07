package dev.vigil.pdp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.NoSuchElementException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A deadline for each HTTP/1.x request head, against clients that send a head a byte at a time to
 * hold connections open (slowloris), as nginx's {@code client_header_timeout} and Go's {@code
 * ReadHeaderTimeout} do. Each byte restarts the idle timeout; this deadline does not move.
 *
 * <p>When it runs: from the moment a connection is ready (after the TLS handshake, which has its
 * own 10 s limit), the first request head must be complete within the deadline. On a kept-alive
 * connection, the wait for the next request is the idle timeout's; the deadline starts again with
 * the first byte that comes once the previous request and its response are both over. Once a head
 * is complete the deadline is off until the response ends: bodies and slow upstreams are the idle
 * timeout's business. When it fires, the connection closes, after a {@code 408} if part of a head
 * had come. HTTP/2 connections (by ALPN, h2c prior knowledge or h2c upgrade) and WebSockets are
 * left alone once they are recognised.
 *
 * <p>How: two Netty handlers share one {@link Watch} per connection. {@code vigilHeadBytes} sits in
 * front of the HTTP decoder (behind TLS) and sees raw bytes arrive; {@code vigilHeadMessages} sits
 * just before Vert.x's own handler and sees decoded request heads and ends going in and response
 * heads and ends going out. Both run on the connection's event loop, so the watch needs no locks.
 * They are put in place by {@link VertxChannelHook}.
 */
public final class HeadDeadline {

  /** The deadline when none is configured. */
  public static final Duration DEFAULT = Duration.ofSeconds(10);

  /** The system property that sets the deadline, in milliseconds. */
  public static final String PROPERTY = "vigil.http.head_timeout_ms";

  private static final byte[] TIMEOUT_RESPONSE =
      ("HTTP/1.1 408 Request Timeout\r\n"
              + "Content-Length: 0\r\n"
              + "Connection: close\r\n"
              + "\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private HeadDeadline() {}

  /**
   * Returns the deadline set by the system property {@value #PROPERTY}, or {@link #DEFAULT}.
   *
   * @throws IllegalStateException naming the property when its value is not a positive whole number
   *     of milliseconds
   */
  public static Duration configured() {
    String value = System.getProperty(PROPERTY);
    if (value == null || value.isBlank()) {
      return DEFAULT;
    }
    try {
      long ms = Long.parseLong(value.strip());
      if (ms > 0) {
        return Duration.ofMillis(ms);
      }
    } catch (NumberFormatException e) {
      // Reported below with the value.
    }
    throw new IllegalStateException(
        "system property "
            + PROPERTY
            + ": '"
            + value
            + "' is not a positive number of milliseconds");
  }

  /**
   * Returns a new HTTP server on {@code vertx} with {@code options} whose HTTP/1.x connections get
   * the {@linkplain #configured() configured} head deadline.
   */
  public static HttpServer createHttpServer(Vertx vertx, HttpServerOptions options) {
    return createHttpServer(vertx, options, configured());
  }

  /**
   * As {@link #createHttpServer(Vertx, HttpServerOptions)}, and {@code onConnection} is handed the
   * Netty pipeline of each connection the server accepts, on the connection's event loop, once
   * Vert.x, the deadline and the framing checks have put their handlers in place (after the TLS
   * handshake, when there is TLS; on a plaintext port before the first read, when it is not yet
   * known whether the connection speaks HTTP/1.x or h2c).
   */
  public static HttpServer createHttpServer(
      Vertx vertx, HttpServerOptions options, Consumer<ChannelPipeline> onConnection) {
    return createHttpServer(vertx, options, configured(), onConnection);
  }

  /**
   * Returns a new HTTP server on {@code vertx} with {@code options} whose HTTP/1.x connections get
   * {@code deadline} for each request head, and that refuse requests whose framing is ambiguous
   * ({@link RequestFraming}). The server's {@link HttpServer#connectionHandler} stays free for the
   * caller.
   *
   * @throws IllegalArgumentException if {@code deadline} is not positive, or if {@code options} set
   *     no idle timeout: the deadline leaves idle keep-alive connections to it, and relies on
   *     Vert.x's idle handler to keep its own handlers in place (see the note on {@code install})
   */
  public static HttpServer createHttpServer(
      Vertx vertx, HttpServerOptions options, Duration deadline) {
    return createHttpServer(vertx, options, deadline, pipeline -> {});
  }

  /**
   * As {@link #createHttpServer(Vertx, HttpServerOptions, Duration)}, and {@code onConnection} is
   * handed the Netty pipeline of each connection as {@link #createHttpServer(Vertx,
   * HttpServerOptions, Consumer)} describes.
   */
  public static HttpServer createHttpServer(
      Vertx vertx,
      HttpServerOptions options,
      Duration deadline,
      Consumer<ChannelPipeline> onConnection) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("request head deadline must be positive, got " + deadline);
    }
    if (options.getIdleTimeout() <= 0) {
      throw new IllegalArgumentException(
          "a request head deadline needs an idle timeout on the server, got "
              + options.getIdleTimeout());
    }
    long nanos = deadline.toNanos();
    return VertxChannelHook.createHttpServer(
        vertx,
        options,
        pipeline -> {
          install(pipeline, nanos);
          RequestFraming.install(pipeline, options);
          onConnection.accept(pipeline);
        });
  }

  /**
   * Puts the two handlers of a new connection in place, unless it speaks HTTP/2 already. {@code
   * vigilHeadMessages} goes just before the last handler, Vert.x's own. On a port that also takes
   * h2c, Vert.x adds the HTTP/1.x codec only after the first bytes, in front of its idle handler,
   * which stands before this one: the codec lands ahead of it as it must.
   */
  private static void install(ChannelPipeline pipeline, long nanos) {
    if (pipeline.get(Http2ConnectionHandler.class) != null || pipeline.lastContext() == null) {
      return;
    }
    Watch watch = new Watch(pipeline, nanos);
    pipeline.addBefore(pipeline.lastContext().name(), "vigilHeadMessages", watch.messages);
    ChannelHandlerContext tls = pipeline.context(SslHandler.class);
    if (tls != null) {
      pipeline.addAfter(tls.name(), "vigilHeadBytes", watch.bytes);
    } else {
      pipeline.addFirst("vigilHeadBytes", watch.bytes);
    }
  }

  /** The deadline state of one connection; used on its event loop only. */
  private static final class Watch {

    private final ChannelPipeline pipeline;
    private final long nanos;
    private final Bytes bytes = new Bytes();
    private final Messages messages = new Messages();

    private ChannelHandlerContext bytesContext;
    private ChannelHandlerContext decoderContext;
    private ScheduledFuture<?> timer;

    /**
     * When the head being waited for started ({@link System#nanoTime}), or -1 when no head is being
     * waited for. The timer reads it when it fires; it is not moved per request.
     */
    private long waitingSince = -1;

    /** Request heads read whose response has not ended yet. */
    private int open;

    /** Whether the decoder's next input starts a request head. */
    private boolean betweenRequests = true;

    /** Whether bytes of the next request head have come. */
    private boolean headStarted;

    /** Whether the response being written is an interim (1xx) one. */
    private boolean interim;

    private boolean stopped;

    Watch(ChannelPipeline pipeline, long nanos) {
      this.pipeline = pipeline;
      this.nanos = nanos;
    }

    void bytesArrived() {
      if (betweenRequests) {
        headStarted = true;
        if (open == 0) {
          arm();
        }
      }
    }

    void headRead() {
      cancel();
      open++;
      betweenRequests = false;
      headStarted = false;
    }

    void requestEnded() {
      betweenRequests = true;
      headStarted = false;
    }

    void responseEnded() {
      if (open > 0) {
        open--;
      }
      if (open == 0 && betweenRequests && headStarted) {
        arm();
      }
    }

    /**
     * Starts waiting for a head, unless already waiting (more bytes of the same head do not move
     * its deadline). The timer is set only when none is pending: a request whose head comes in one
     * read, the usual case, costs a clock read and a few field writes, and no timer of its own.
     */
    void arm() {
      if (stopped || bytesContext == null) {
        return;
      }
      if (waitingSince < 0) {
        waitingSince = System.nanoTime();
      }
      if (timer == null) {
        schedule(nanos);
      }
    }

    void cancel() {
      waitingSince = -1;
    }

    private void dropTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void schedule(long delay) {
      timer = bytesContext.executor().schedule(this::fired, delay, TimeUnit.NANOSECONDS);
    }

    /** Closes the connection if the head waited for is late, else sets the timer for it, if any. */
    private void fired() {
      timer = null;
      if (stopped || waitingSince < 0) {
        return;
      }
      long left = waitingSince + nanos - System.nanoTime();
      if (left > 0) {
        schedule(left);
        return;
      }
      expire();
    }

    void expire() {
      if (stopped || !bytesContext.channel().isActive()) {
        return;
      }
      boolean partial = headStarted;
      stop();
      if (partial) {
        bytesContext
            .writeAndFlush(Unpooled.wrappedBuffer(TIMEOUT_RESPONSE))
            .addListener(ChannelFutureListener.CLOSE);
      } else {
        bytesContext.close();
      }
    }

    /** Returns whether the connection still speaks HTTP/1.x, or may yet (h2c not decided). */
    boolean http1() {
      if (decoderContext != null) {
        // Once found, the decoder leaves the pipeline only when the connection turns to h2c.
        return !decoderContext.isRemoved();
      }
      if (pipeline.get(Http2ConnectionHandler.class) != null) {
        return false;
      }
      decoderContext = pipeline.context(HttpRequestDecoder.class);
      return true;
    }

    void stop() {
      if (stopped) {
        return;
      }
      stopped = true;
      cancel();
      dropTimer();
      for (ChannelHandler handler : new ChannelHandler[] {bytes, messages}) {
        try {
          pipeline.remove(handler);
        } catch (NoSuchElementException e) {
          // Already gone with the channel.
        }
      }
    }

    /** Sees raw bytes (after TLS) before the HTTP decoder does. */
    private final class Bytes extends ChannelInboundHandlerAdapter {

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) {
        bytesContext = ctx;
        arm();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!stopped && msg instanceof ByteBuf buf && buf.isReadable() && http1()) {
          bytesArrived();
        }
        ctx.fireChannelRead(msg);
        if (!stopped && !http1()) {
          stop();
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        dropTimer();
        ctx.fireChannelInactive();
      }

      @Override
      public void handlerRemoved(ChannelHandlerContext ctx) {
        dropTimer();
      }
    }

    /** Sees decoded requests going in and responses going out, next to Vert.x's handler. */
    private final class Messages extends ChannelDuplexHandler {

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!stopped) {
          if (msg instanceof HttpRequest) {
            headRead();
          }
          if (msg instanceof LastHttpContent) {
            requestEnded();
          }
        }
        ctx.fireChannelRead(msg);
      }

      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!stopped && msg instanceof HttpResponse response) {
          HttpResponseStatus status = response.status();
          if (status.code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
            stop();
          } else {
            interim = status.code() < 200;
          }
        }
        if (!stopped && msg instanceof LastHttpContent) {
          if (interim) {
            interim = false;
          } else {
            responseEnded();
          }
        }
        ctx.write(msg, promise);
      }
    }
  }
}
