package dev.vigil.gateway.sidecar;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetSocket;

/**
 * Relays the bytes of two TCP connections both ways, as they come: the connection of a TCP listener
 * and the one it opened (to the app, or to another sidecar over mutual TLS).
 *
 * <p>How it works. Each direction reads one socket and writes the other, and stops reading while
 * the other's write queue is full (backpressure: a slow reader slows the writer, nothing piles up
 * in memory). Half-close is kept: a peer that shuts down its output (TCP {@code FIN}, or a TLS
 * {@code close_notify} followed by it) may still read the answer, as a client that sends its whole
 * request and then waits for the reply expects. Netty is told to keep a half-closed connection open
 * ({@code ALLOW_HALF_CLOSURE}); the end of a socket's input is turned into an empty buffer in its
 * stream of reads, so that it comes after every byte read before it, even those held while the
 * connection was paused for the policy decision, and is passed on as the end of the other socket's
 * output (a {@code close_notify} first over TLS, then the TCP shutdown) once every byte before it
 * is written. When both directions have ended, or either connection closes or fails, both are
 * closed.
 *
 * <p>Call {@link #prepare} as soon as a connection is accepted or opened (before its first read),
 * and {@link #join} once both are there. Runs on the sockets' event loop.
 */
final class TcpRelay {

  private static final String END_MARK = "vigil-tcp-end";

  private final NetSocket a;
  private final NetSocket b;
  private Future<Void> toA = Future.succeededFuture();
  private Future<Void> toB = Future.succeededFuture();
  private int ended;
  private boolean closed;

  private TcpRelay(NetSocket a, NetSocket b) {
    this.a = a;
    this.b = b;
  }

  /**
   * Keeps {@code socket} open when its peer half-closes it, and marks the end of its input in its
   * reads. The socket should be paused until {@link #join}.
   */
  static void prepare(NetSocket socket) {
    ChannelHandlerContext ctx = ((NetSocketInternal) socket).channelHandlerContext();
    Channel ch = ctx.channel();
    ch.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    if (ch.pipeline().get(END_MARK) == null) {
      ch.pipeline().addBefore(ctx.name(), END_MARK, new EndMark());
    }
  }

  /** Relays {@code a} and {@code b} to each other until both ends are done; resumes both. */
  static void join(NetSocket a, NetSocket b) {
    join(a, b, () -> {});
  }

  /**
   * Relays as {@link #join(NetSocket, NetSocket)} does, and runs {@code closed} once {@code a} is
   * closed, whichever side ended the relay.
   *
   * @return the relay, for {@link #close} before its ends are done
   */
  static TcpRelay join(NetSocket a, NetSocket b, Runnable closed) {
    TcpRelay relay = new TcpRelay(a, b);
    relay.start(closed);
    return relay;
  }

  /** Closes both connections now, whatever is still on its way; on the sockets' event loop. */
  void close() {
    closeBoth();
  }

  private void start(Runnable closed) {
    a.handler(buf -> forward(a, b, buf, true));
    b.handler(buf -> forward(b, a, buf, false));
    a.drainHandler(v -> b.resume());
    b.drainHandler(v -> a.resume());
    a.closeHandler(
        v -> {
          closeAfter(toB, b);
          closed.run();
        });
    b.closeHandler(v -> closeAfter(toA, a));
    a.exceptionHandler(e -> closeBoth());
    b.exceptionHandler(e -> closeBoth());
    a.resume();
    b.resume();
  }

  private void forward(NetSocket from, NetSocket to, io.vertx.core.buffer.Buffer buf, boolean ab) {
    if (buf.length() == 0) {
      // The end of from's input (see EndMark): passed on after every byte written before it.
      Future<Void> last = ab ? toB : toA;
      last.compose(v -> shutdownOutput(to))
          .onComplete(
              ar -> {
                if (ar.failed() || ++ended == 2) {
                  closeBoth();
                }
              });
      return;
    }
    Future<Void> w = to.write(buf);
    if (ab) {
      toB = w;
    } else {
      toA = w;
    }
    if (to.writeQueueFull()) {
      from.pause();
    }
  }

  /** Closes {@code other} once the bytes going to it are written. */
  private void closeAfter(Future<Void> pending, NetSocket other) {
    pending.onComplete(ar -> other.close());
  }

  private void closeBoth() {
    if (!closed) {
      closed = true;
      a.close();
      b.close();
    }
  }

  /** Ends the output of {@code socket}: a TLS {@code close_notify} if it has TLS, then a FIN. */
  private static Future<Void> shutdownOutput(NetSocket socket) {
    Channel ch = ((NetSocketInternal) socket).channelHandlerContext().channel();
    Promise<Void> done = Promise.promise();
    Runnable fin =
        () -> {
          if (ch instanceof DuplexChannel d) {
            d.shutdownOutput()
                .addListener(
                    f -> {
                      if (f.isSuccess()) {
                        done.tryComplete();
                      } else {
                        done.tryFail(f.cause());
                      }
                    });
          } else {
            done.tryFail("no half-close on " + ch.getClass().getSimpleName());
          }
        };
    ch.eventLoop()
        .execute(
            () -> {
              SslHandler tls = ch.pipeline().get(SslHandler.class);
              if (tls == null) {
                fin.run();
              } else {
                tls.closeOutbound().addListener(f -> fin.run());
              }
            });
    return done.future();
  }

  /**
   * Turns the end of a connection's input into an empty read, which no TCP or TLS read ever is: the
   * peer's {@code FIN} (with half-closure allowed), or its TLS {@code close_notify}, whichever
   * comes first.
   *
   * <p>The read is followed by a read-complete of its own. Netty reports the end after the read
   * cycle that found it has completed, and Vert.x counts a connection as reading from a read until
   * the next read-complete: without one, the connection would be left reading for good, so that a
   * resume after backpressure would leave the reads it held (the end among them) unhandled, and
   * writes to it would wait for a completion that never comes.
   */
  private static final class EndMark extends ChannelInboundHandlerAdapter {

    private boolean marked;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      boolean end =
          evt instanceof ChannelInputShutdownEvent
              || (evt instanceof SslCloseCompletionEvent c && c.isSuccess());
      if (end && !marked) {
        marked = true;
        ctx.fireChannelRead(Unpooled.EMPTY_BUFFER);
        ctx.fireChannelReadComplete();
      }
      super.userEventTriggered(ctx, evt);
    }
  }
}
