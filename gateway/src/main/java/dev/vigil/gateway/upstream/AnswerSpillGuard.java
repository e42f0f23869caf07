package dev.vigil.gateway.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Keeps an HTTP/1.1 connection of a Vert.x client pool from carrying an answer its app sent past
 * the end of the last one (more than its {@code Content-Length}, or a second answer in the same
 * write) to the next caller given that connection: what {@link DirectUpstream} does for plain
 * upstreams with its own decoder.
 *
 * <p>How: the pool takes a connection back, and may hand it to a waiting caller whose request it
 * writes at once, the moment the end of an answer is read. So that end is held until the read that
 * brought it is over. Anything more read meanwhile is bytes past the answer: it is dropped, the
 * answer is marked {@code Connection: close} and its end passed on, so that the pool closes the
 * connection instead of taking it back. Bytes that come later, while the connection waits in the
 * pool, are an answer with no request, on which Vert.x closes it itself (logging an error). Interim
 * answers (1xx) are followed by their final answer in the same read, as they should be.
 *
 * <p>Known limit: bytes past the answer that do not yet make a whole answer head by the end of the
 * read (a segment boundary inside it) are not seen; the rest of that head, read after the next
 * request went out, reads as its answer. Netty's codec keeps the bytes it holds to itself.
 *
 * <p>One per connection, used on its event loop only.
 */
final class AnswerSpillGuard extends ChannelInboundHandlerAdapter {

  /** The name of Vert.x's own handler of an HTTP/1.x client connection, which reads the answers. */
  private static final String VERTX_HANDLER = "handler";

  private HttpResponse head;
  private boolean finalAnswer;
  private LastHttpContent held;
  private boolean spilled;

  /** Installs a guard on a new HTTP/1.x connection of a pool; HTTP/2 frames its answers itself. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      if (pipeline.get(HttpClientCodec.class) != null && pipeline.get(VERTX_HANDLER) != null) {
        pipeline.addBefore(VERTX_HANDLER, "vigil-answer-spill", new AnswerSpillGuard());
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (spilled) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (held != null) {
      // More in the read that ended an answer: the app sent past its end.
      spilled = true;
      ReferenceCountUtil.release(msg);
      // The pool then closes the connection itself, once the answer has ended.
      head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      passHeld(ctx);
      return;
    }
    if (msg instanceof HttpResponse r) {
      head = r;
      finalAnswer = r.status().code() >= 200;
    }
    if (msg instanceof LastHttpContent last && finalAnswer) {
      finalAnswer = false;
      held = last;
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    passHeld(ctx);
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    passHeld(ctx);
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (held != null) {
      ReferenceCountUtil.release(held);
      held = null;
    }
  }

  private void passHeld(ChannelHandlerContext ctx) {
    if (held != null) {
      LastHttpContent end = held;
      held = null;
      ctx.fireChannelRead(end);
    }
  }
}
