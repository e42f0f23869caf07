package dev.vigil.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Keeps an HTTP/1.1 connection of a Vert.x client pool from carrying bytes its app sent past the
 * end of an answer (more than its {@code Content-Length}, a second answer, or only the first bytes
 * of one) to the next caller given that connection: what {@link DirectUpstream} does for plain
 * upstreams with its own decoder.
 *
 * <p>How: the pool takes a connection back, and may hand it to a waiting caller whose request it
 * writes at once, the moment the end of an answer is read. So that moment is checked twice over.
 * (1) When the end of a final answer reaches Vert.x, the bytes the client codec holds and has not
 * read as a message yet are counted: any there, whether a whole answer or a head cut short by the
 * end of the read, mark the answer {@code Connection: close}, so that the pool closes the
 * connection instead of taking it back, and every message decoded after it is dropped. (2) Bytes
 * that come in a later read while no request of the connection waits for an answer (it is idle in
 * the pool) close the connection before the codec reads them, as the start of an answer with no
 * request. Interim answers (1xx) leave their request waiting for the final one.
 *
 * <p>The codec keeps what it has not read to itself; the count of (1) comes from its decoder's
 * cumulation, reached through a {@link ByteToMessageDecoder.Cumulator} of this class set on the
 * decoder of Vert.x's {@link HttpClientCodec}. That decoder is not reachable through Netty's public
 * API ({@code CombinedChannelDuplexHandler.inboundHandler} is protected and the codec final): it is
 * looked up once, and a Netty version that moves it fails this class's tests, not production
 * silently.
 *
 * <p>Known limit: bytes the app sends after a caller's request has gone out on the connection
 * cannot be told from that caller's answer.
 *
 * <p>One per connection, used on its event loop only.
 */
final class AnswerSpillGuard {

  /** The name of Vert.x's own handler of an HTTP/1.x client connection, which reads the answers. */
  private static final String VERTX_HANDLER = "handler";

  /** {@code CombinedChannelDuplexHandler.inboundHandler()}: the codec's decoder. */
  private static final MethodHandle DECODER = decoderOfCodec();

  private final Bytes bytes = new Bytes();
  private final Messages messages = new Messages();

  /** Requests written whose final answer has not ended. */
  private int waiting;

  /** The decoder's cumulation after the latest read, held (retained) until the read is over. */
  private ByteBuf cumulation;

  private HttpResponse head;
  private boolean finalAnswer;
  private boolean spilled;

  /** Installs a guard on a new HTTP/1.x connection of a pool; HTTP/2 frames its answers itself. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      ChannelPipeline pipeline = base.channel().pipeline();
      ChannelHandlerContext codec = pipeline.context(HttpClientCodec.class);
      if (codec != null && pipeline.get(VERTX_HANDLER) != null) {
        AnswerSpillGuard guard = new AnswerSpillGuard();
        decoder((HttpClientCodec) codec.handler()).setCumulator(guard::cumulate);
        pipeline.addBefore(codec.name(), "vigil-answer-spill-bytes", guard.bytes);
        pipeline.addBefore(VERTX_HANDLER, "vigil-answer-spill", guard.messages);
      }
    }
  }

  private static MethodHandle decoderOfCodec() {
    try {
      MethodHandles.Lookup lookup =
          MethodHandles.privateLookupIn(CombinedChannelDuplexHandler.class, MethodHandles.lookup());
      return lookup.findVirtual(
          CombinedChannelDuplexHandler.class,
          "inboundHandler",
          MethodType.methodType(ChannelInboundHandler.class));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot reach the decoder of Netty's HTTP client codec: the answer-spill guard of the"
              + " upstream pools needs it",
          e);
    }
  }

  private static ByteToMessageDecoder decoder(HttpClientCodec codec) {
    try {
      return (ByteToMessageDecoder) (ChannelInboundHandler) DECODER.invoke(codec);
    } catch (Throwable e) {
      throw new IllegalStateException("cannot reach the decoder of Netty's HTTP client codec", e);
    }
  }

  /** Cumulates as the decoder would, and holds the result to count what stays unread. */
  private ByteBuf cumulate(ByteBufAllocator alloc, ByteBuf before, ByteBuf in) {
    // Let go first: held twice, the decoder's buffer would be copied rather than grown.
    releaseCumulation();
    ByteBuf after = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(alloc, before, in);
    cumulation = after.retain();
    return after;
  }

  private void releaseCumulation() {
    if (cumulation != null) {
      ByteBuf held = cumulation;
      cumulation = null;
      held.release();
    }
  }

  /** Whether the codec holds bytes it has not read as a message. */
  private boolean holdsUnread() {
    return cumulation != null && cumulation.isReadable();
  }

  /** Sits in front of the codec: bytes that come while no request waits close the connection. */
  private final class Bytes extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (waiting == 0 && msg instanceof ByteBuf b && b.isReadable()) {
        spilled = true;
        b.release();
        ctx.close();
        return;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      releaseCumulation();
      ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      releaseCumulation();
    }
  }

  /**
   * Sits between the codec and Vert.x's handler: counts the requests going out and checks the end
   * of each final answer coming in.
   */
  private final class Messages extends ChannelDuplexHandler {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (spilled) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpResponse r) {
        head = r;
        finalAnswer = r.status().code() >= 200;
      }
      if (msg instanceof LastHttpContent && finalAnswer) {
        finalAnswer = false;
        waiting = Math.max(0, waiting - 1);
        if (holdsUnread()) {
          // More than the answer: the pool closes the connection itself once the answer ends.
          spilled = true;
          head.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpRequest) {
        waiting++;
      }
      ctx.write(msg, promise);
    }
  }
}
