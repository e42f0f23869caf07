package dev.vigil.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the HTTP/2 streams a listener's codec resets for a fault of the client's, which no
 * request handler ever sees: Netty checks a request's header block before Vert.x is told of the
 * stream (RFC 9113 section 8.1.1: a connection-specific or upper-case field name, a missing,
 * repeated, unknown or misplaced pseudo-header) and answers a malformed one with {@code RST_STREAM
 * PROTOCOL_ERROR} on its own.
 *
 * <p>How: Vert.x and Netty give no hook for that reset, so this handler sits just in front of the
 * HTTP/2 codec's handler and reads the frames the codec writes, passing every byte on as it came.
 * It follows frame boundaries by each frame's length (section 4.1) and looks only at {@code
 * RST_STREAM} frames whose error code the codec sends for a client's fault ({@link #codecFault}):
 * the listener's own resets ({@code CANCEL}, {@code INTERNAL_ERROR}, {@code NO_ERROR}) are not
 * reported, nor {@code STREAM_CLOSED}, which answers frames for a stream that already ended rather
 * than a new request. The codec's message is not reachable from here: the report carries the stream
 * and the error code.
 *
 * <p>Where: only on connections that speak HTTP/2 or may yet. A connection that chose HTTP/2 by
 * ALPN gets the handler; one that chose HTTP/1.x (by ALPN, without ALPN, or on a port that takes no
 * h2c) does not, so its requests never pass through it (on an ALPN connection the codec has written
 * its SETTINGS frame before the handler comes: a whole frame, so the handler starts at a frame's
 * first byte). On a plaintext port that also takes h2c the protocol is not known when the
 * connection opens (prior knowledge is told by the first bytes, and the codec may reset streams of
 * that same first read), so the handler is put in place and leaves at the first request that asks
 * no upgrade: an HTTP/1.1 connection pays one check, once, and none per request. Used on the
 * connection's event loop only. The sidecar's listeners and the edge gateway use it.
 */
public final class CodecResets extends ChannelDuplexHandler {

  private static final Logger log = LoggerFactory.getLogger(CodecResets.class);

  /** What is told of each reset: the connection, the stream and the HTTP/2 error code. */
  public interface Listener {
    void reset(Channel channel, int streamId, Http2Error error);
  }

  private static final int FRAME_HEADER = 9;
  private static final int RST_STREAM = 0x3;

  private final Listener listener;

  /** The frame header (9 bytes) and, for RST_STREAM, its error code (4 more) being read. */
  private final byte[] frame = new byte[FRAME_HEADER + 4];

  private int read;

  /** Payload bytes of the current frame still to pass. */
  private long skip;

  /** Whether the codec's handler is in place behind this one; false until known. */
  private boolean http2;

  /** Set when the codec wrote something else than bytes: frames can no longer be followed. */
  private boolean lost;

  private CodecResets(Listener listener, boolean http2) {
    this.listener = listener;
    this.http2 = http2;
  }

  /**
   * Puts a watch on a new connection just in front of Vert.x's handler (which the HTTP/2 codec's
   * handler is, or replaces), unless the connection speaks HTTP/1.x for good: call it once the
   * server has laid out the connection's pipeline (after the TLS handshake, when there is TLS).
   */
  public static void install(ChannelPipeline pipeline, Listener listener) {
    if (pipeline.lastContext() == null) {
      return;
    }
    boolean http2 = pipeline.get(Http2ConnectionHandler.class) != null;
    if (!http2 && pipeline.get(HttpRequestDecoder.class) != null) {
      // HTTP/1.x chosen already (ALPN http/1.1, no ALPN, or a port without h2c).
      return;
    }
    pipeline.addBefore(
        pipeline.lastContext().name(), "vigilCodecResets", new CodecResets(listener, http2));
  }

  /** The refusal code of a reset with {@code error}: {@code HTTP2_} and the error's name. */
  public static String code(Http2Error error) {
    return "HTTP2_" + error.name();
  }

  /**
   * The fields the event of a reset stream carries besides its code and reason: {@code stream} and
   * {@code http2_error}; the map may be added to.
   */
  public static Map<String, String> fields(int streamId, Http2Error error) {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("stream", Integer.toString(streamId));
    extra.put("http2_error", error.name());
    return extra;
  }

  /** The reason, in words, of the refusal of a stream the codec reset with {@code error}. */
  public static String reason(int streamId, Http2Error error) {
    return "refused: the HTTP/2 codec reset stream "
        + streamId
        + " with "
        + error.name()
        + ": "
        + meaning(error);
  }

  /** Tells whether the HTTP/2 codec sends {@code error} in a reset for a fault of the client's. */
  public static boolean codecFault(Http2Error error) {
    return switch (error) {
      case PROTOCOL_ERROR,
          FLOW_CONTROL_ERROR,
          FRAME_SIZE_ERROR,
          REFUSED_STREAM,
          COMPRESSION_ERROR,
          ENHANCE_YOUR_CALM ->
          true;
      default -> false;
    };
  }

  /** Says in words what the client did that the codec answers with {@code error}. */
  public static String meaning(Http2Error error) {
    return switch (error) {
      case PROTOCOL_ERROR ->
          "the request is malformed (RFC 9113 section 8.1.1: a connection-specific or upper-case"
              + " field name, a missing, repeated, unknown or misplaced pseudo-header, a TE other"
              + " than trailers, or a body that does not match its content-length)";
      case REFUSED_STREAM ->
          "the client opened more streams at once than the listener allows (RFC 9113 section"
              + " 5.1.2)";
      case FLOW_CONTROL_ERROR ->
          "the client sent more than the stream's flow-control window (RFC 9113 section 6.9)";
      case FRAME_SIZE_ERROR -> "a frame of the stream had a wrong size (RFC 9113 section 4.2)";
      default -> "see RFC 9113 section 7";
    };
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!http2
        && msg instanceof HttpRequest r
        && !r.headers().containsValue(HttpHeaderNames.UPGRADE, "h2c", true)) {
      // HTTP/1.x for good: nothing for this handler to watch.
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!lost && (http2 || (http2 = ctx.pipeline().get(Http2ConnectionHandler.class) != null))) {
      if (msg instanceof ByteBuf buf) {
        follow(ctx.channel(), buf);
      } else {
        lost = true;
      }
    }
    ctx.write(msg, promise);
  }

  /** Reads the frames in {@code buf} without consuming it, and reports the resets among them. */
  private void follow(Channel channel, ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (skip > 0) {
        int n = (int) Math.min(skip, end - i);
        i += n;
        skip -= n;
        continue;
      }
      frame[read++] = buf.getByte(i++);
      if (read == FRAME_HEADER) {
        int length = (frame[0] & 0xff) << 16 | (frame[1] & 0xff) << 8 | (frame[2] & 0xff);
        if ((frame[3] & 0xff) != RST_STREAM || length != 4) {
          skip = length;
          read = 0;
        }
      } else if (read == frame.length) {
        read = 0;
        reset(channel);
      }
    }
  }

  private void reset(Channel channel) {
    int stream = int32(FRAME_HEADER - 4) & 0x7fffffff;
    Http2Error error = Http2Error.valueOf(int32(FRAME_HEADER) & 0xffffffffL);
    if (error == null || !codecFault(error)) {
      return;
    }
    try {
      listener.reset(channel, stream, error);
    } catch (RuntimeException e) {
      // The frame goes out all the same; only its report is lost.
      log.error("cannot report the reset of HTTP/2 stream {} ({})", stream, error, e);
    }
  }

  private int int32(int at) {
    return (frame[at] & 0xff) << 24
        | (frame[at + 1] & 0xff) << 16
        | (frame[at + 2] & 0xff) << 8
        | (frame[at + 3] & 0xff);
  }
}
