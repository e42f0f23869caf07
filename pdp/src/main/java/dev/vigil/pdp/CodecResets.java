package dev.vigil.pdp;

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
 * <p>Connections too: an error that is the whole connection's (a bad client preface, a first frame
 * other than SETTINGS, a malformed frame on stream 0, a flood of SETTINGS, PING or RST_STREAM
 * frames) makes the codec send {@code GOAWAY} with its error code and close the connection (section
 * 5.4.1). The first {@code GOAWAY} of a connection whose code blames the client ({@link
 * #connectionFault}) is reported once, with the codec's debug data, which Netty fills with its
 * message (at most {@value #MAX_DEBUG} bytes of it are kept). A {@code GOAWAY} with {@code
 * NO_ERROR} (the listener closing an idle connection, or shutting down) is not, nor a client that
 * merely disconnects: the codec writes nothing then. A TLS handshake that fails never gets this far
 * (the handler comes after it). Following {@code GOAWAY} frames costs a healthy connection nothing
 * more than the frame type it already reads.
 *
 * <p>Where: only on connections that speak HTTP/2 or may yet. A connection that chose HTTP/2 by
 * ALPN gets the handler; one that chose HTTP/1.x (by ALPN, without ALPN, or on a port that takes no
 * h2c) does not, so its requests never pass through it (on an ALPN connection the codec has written
 * its SETTINGS frame before the handler comes: a whole frame, so the handler starts at a frame's
 * first byte). On a plaintext port that also takes h2c the protocol is not known when the
 * connection opens (prior knowledge is told by the first bytes, and the codec may reset streams of
 * that same first read), so the handler is put in place and leaves at the first request that asks
 * no upgrade: an HTTP/1.1 connection pays one check, once, and none per request. Used on the
 * connection's event loop only. The sidecar's listeners, the edge gateway and the decision point's
 * server ({@link PdpServer}) use it.
 */
public final class CodecResets extends ChannelDuplexHandler {

  private static final Logger log = LoggerFactory.getLogger(CodecResets.class);

  /**
   * What is told of the codec's refusals: each stream it resets, and the connection it closes for
   * the client's fault. Called on the connection's event loop: an implementation must not block.
   */
  public interface Listener {

    /** The codec reset stream {@code streamId} of {@code channel} with {@code error}. */
    void reset(Channel channel, int streamId, Http2Error error);

    /**
     * The codec sent {@code GOAWAY} with {@code error} on {@code channel}, which it then closes.
     *
     * @param message the debug data of the frame as printable ASCII (others as {@code ?}), empty
     *     when there is none
     */
    void connectionError(Channel channel, Http2Error error, String message);
  }

  /**
   * A listener that logs each of the codec's refusals as one refusal before policy: a reset stream
   * with {@link #reason} and {@link #fields}, a closed connection with {@link #connectionReason}
   * and {@link #connectionFields}, both under {@link #code}.
   */
  public interface RefusalListener extends Listener {

    /**
     * Logs one refusal of {@code channel}'s peer. Called on the event loop: the log must be written
     * elsewhere (a client can cause many refusals at little cost).
     */
    void refuse(Channel channel, String code, String reason, Map<String, String> fields);

    @Override
    default void reset(Channel channel, int streamId, Http2Error error) {
      refuse(channel, code(error), reason(streamId, error), fields(streamId, error));
    }

    @Override
    default void connectionError(Channel channel, Http2Error error, String message) {
      refuse(channel, code(error), connectionReason(error), connectionFields(error, message));
    }
  }

  /** The most bytes of a {@code GOAWAY}'s debug data kept for its report. */
  static final int MAX_DEBUG = 256;

  private static final int FRAME_HEADER = 9;
  private static final int RST_STREAM = 0x3;
  private static final int GOAWAY = 0x7;

  /** The part of a frame's payload read into {@link #frame}: RST_STREAM's code, GOAWAY's two. */
  private static final int RST_FIXED = 4;

  private static final int GOAWAY_FIXED = 8;

  private final Listener listener;

  /** The frame header (9 bytes) and the fixed part of a RST_STREAM or GOAWAY payload being read. */
  private final byte[] frame = new byte[FRAME_HEADER + GOAWAY_FIXED];

  private int read;

  /** How many bytes of {@link #frame} the current frame fills: its header, and its fixed part. */
  private int fixed = FRAME_HEADER;

  /** Payload bytes of the current frame still to pass. */
  private long skip;

  /** Whether a GOAWAY with a fault's code was seen: only the first is reported. */
  private boolean goneAway;

  /** The error of the GOAWAY whose debug data is being read, or null. */
  private Http2Error closing;

  /** The debug data of that GOAWAY read so far (its first {@link #MAX_DEBUG} bytes). */
  private StringBuilder debug;

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

  /**
   * Tells whether the HTTP/2 codec closes a connection with {@code error} for a fault of the
   * client's (RFC 9113 section 7): not {@code NO_ERROR} (a graceful close), nor {@code
   * INTERNAL_ERROR} (the listener's own fault, logged where it happens).
   */
  public static boolean connectionFault(Http2Error error) {
    return switch (error) {
      case PROTOCOL_ERROR,
          FLOW_CONTROL_ERROR,
          SETTINGS_TIMEOUT,
          STREAM_CLOSED,
          FRAME_SIZE_ERROR,
          COMPRESSION_ERROR,
          ENHANCE_YOUR_CALM ->
          true;
      default -> false;
    };
  }

  /**
   * The fields the event of a connection closed with {@code error} carries besides its code and
   * reason: {@code http2_error}, {@code scope} ({@code connection}) and {@code http2_message}, the
   * codec's message when there is one; the map may be added to.
   */
  public static Map<String, String> connectionFields(Http2Error error, String message) {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("http2_error", error.name());
    extra.put("scope", "connection");
    if (!message.isEmpty()) {
      extra.put("http2_message", message);
    }
    return extra;
  }

  /** The reason, in words, of the refusal of a connection the codec closed with {@code error}. */
  public static String connectionReason(Http2Error error) {
    return "refused: the HTTP/2 codec closed the connection with GOAWAY "
        + error.name()
        + ": "
        + connectionMeaning(error);
  }

  /** Says in words what the client did that the codec closes its connection for. */
  static String connectionMeaning(Http2Error error) {
    return switch (error) {
      case PROTOCOL_ERROR ->
          "the client broke the protocol on the connection (RFC 9113 section 5.4.1): a bad"
              + " connection preface, a first frame other than SETTINGS, a frame on a stream it"
              + " may not be sent on";
      case FRAME_SIZE_ERROR -> "a frame had a wrong size (RFC 9113 section 4.2)";
      case FLOW_CONTROL_ERROR ->
          "the client sent more than the connection's flow-control window (RFC 9113 section 6.9)";
      case COMPRESSION_ERROR ->
          "a header block could not be decoded, which breaks the connection's header table"
              + " (RFC 9113 section 4.3)";
      case ENHANCE_YOUR_CALM ->
          "the client sent more frames of a kind than the listener allows (a flood of SETTINGS,"
              + " PING or RST_STREAM frames, or of frames it cannot keep up with)";
      case SETTINGS_TIMEOUT ->
          "the client did not acknowledge the listener's SETTINGS in time (RFC 9113 section"
              + " 6.5.3)";
      case STREAM_CLOSED -> "the client sent frames on a closed stream (RFC 9113 section 5.1)";
      default -> "see RFC 9113 section 7";
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

  /** Reads the frames in {@code buf} without consuming it, and reports the refusals among them. */
  private void follow(Channel channel, ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (skip > 0) {
        int n = (int) Math.min(skip, end - i);
        if (closing != null) {
          keepDebug(buf, i, n);
        }
        i += n;
        skip -= n;
        if (skip == 0 && closing != null) {
          goAwayEnded(channel);
        }
        continue;
      }
      frame[read++] = buf.getByte(i++);
      if (read == FRAME_HEADER) {
        int length = length();
        int type = frame[3] & 0xff;
        if (type == RST_STREAM && length == RST_FIXED) {
          fixed = FRAME_HEADER + RST_FIXED;
        } else if (type == GOAWAY && length >= GOAWAY_FIXED && !goneAway) {
          fixed = FRAME_HEADER + GOAWAY_FIXED;
        } else {
          skip = length;
          read = 0;
        }
      } else if (read == fixed) {
        read = 0;
        fixed = FRAME_HEADER;
        if ((frame[3] & 0xff) == RST_STREAM) {
          reset(channel);
        } else {
          goAway(channel);
        }
      }
    }
  }

  private int length() {
    return (frame[0] & 0xff) << 16 | (frame[1] & 0xff) << 8 | (frame[2] & 0xff);
  }

  /** Reads a GOAWAY's error code (RFC 9113 section 6.8); a fault's report waits for its data. */
  private void goAway(Channel channel) {
    skip = length() - GOAWAY_FIXED;
    Http2Error error = Http2Error.valueOf(int32(FRAME_HEADER + 4) & 0xffffffffL);
    if (error == null || !connectionFault(error)) {
      return;
    }
    goneAway = true;
    closing = error;
    debug = new StringBuilder();
    if (skip == 0) {
      goAwayEnded(channel);
    }
  }

  private void keepDebug(ByteBuf buf, int from, int n) {
    for (int k = from; k < from + n && debug.length() < MAX_DEBUG; k++) {
      byte b = buf.getByte(k);
      debug.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
    }
  }

  private void goAwayEnded(Channel channel) {
    Http2Error error = closing;
    String message = debug.toString();
    closing = null;
    debug = null;
    try {
      listener.connectionError(channel, error, message);
    } catch (RuntimeException e) {
      // The frame goes out all the same; only its report is lost.
      log.error("cannot report the GOAWAY of an HTTP/2 connection ({})", error, e);
    }
  }

  /**
   * Reports a GOAWAY whose debug data was still being read when the connection closed (the codec
   * writes the frame whole; this is a safeguard).
   */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    if (closing != null) {
      goAwayEnded(ctx.channel());
    }
    super.channelInactive(ctx);
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
