package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where {@link CodecResets} goes (only on connections that speak HTTP/2 or may yet, so that an
 * HTTP/1.x connection's requests never pass through it) and how it reads the frames the codec
 * writes: by their lengths, across and within buffers, passing every byte on unchanged and
 * reporting only the resets that blame the client.
 */
class CodecResetsTest {

  record Reset(int stream, Http2Error error) {}

  record Closed(Http2Error error, String message) {}

  private final List<Reset> reported = new ArrayList<>();
  private final List<Closed> closed = new ArrayList<>();
  private final CodecResets.Listener listener =
      new CodecResets.Listener() {
        @Override
        public void reset(Channel channel, int stream, Http2Error error) {
          reported.add(new Reset(stream, error));
        }

        @Override
        public void connectionError(Channel channel, Http2Error error, String message) {
          closed.add(new Closed(error, message));
        }
      };

  @Test
  void install_connectionThatChoseHttp1_noWatch() {
    EmbeddedChannel ch =
        new EmbeddedChannel(new HttpRequestDecoder(), new ChannelInboundHandlerAdapter());

    CodecResets.install(ch.pipeline(), listener);

    assertThat(ch.pipeline().get(CodecResets.class)).isNull();
  }

  @Test
  void install_undecidedConnection_watchLeavesAtTheFirstHttp1Request() {
    EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    CodecResets.install(ch.pipeline(), listener);
    assertThat(ch.pipeline().get(CodecResets.class)).isNotNull();

    ch.writeInbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));

    assertThat(ch.pipeline().get(CodecResets.class)).isNull();
  }

  @Test
  void install_undecidedConnection_watchStaysForAnUpgradeToH2c() {
    EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    CodecResets.install(ch.pipeline(), listener);
    var upgrade = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    upgrade.headers().set("Upgrade", "h2c");

    ch.writeInbound(upgrade);

    assertThat(ch.pipeline().get(CodecResets.class)).isNotNull();
  }

  @Test
  void write_framesSplitAndJoinedAnyHow_reportsOnlyTheClientsResetsAndPassesEveryByte() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new Http2ConnectionHandlerBuilder()
                .server(true)
                .frameListener(new Http2FrameAdapter())
                .build());
    CodecResets.install(ch.pipeline(), listener);
    assertThat(ch.pipeline().get(CodecResets.class)).isNotNull();
    // The codec's own SETTINGS went out as it was added, before the watch.
    drain(ch);

    byte[] headers = frame(0x1, 0x4, 1, new byte[] {(byte) 0x88, 1, 2, 3, 4});
    byte[] protocol = rst(3, Http2Error.PROTOCOL_ERROR);
    // A DATA frame whose payload holds what looks like a reset: payload, not a frame.
    byte[] data = frame(0x0, 0, 5, rst(11, Http2Error.PROTOCOL_ERROR));
    byte[] cancel = rst(7, Http2Error.CANCEL);
    byte[] refused = rst(9, Http2Error.REFUSED_STREAM);
    byte[] all = concat(headers, protocol, data, cancel, refused);
    List<byte[]> writes =
        List.of(
            Arrays.copyOfRange(all, 0, 4),
            Arrays.copyOfRange(all, 4, headers.length + 7),
            Arrays.copyOfRange(all, headers.length + 7, headers.length + protocol.length + 12),
            Arrays.copyOfRange(all, headers.length + protocol.length + 12, all.length));

    for (byte[] w : writes) {
      ch.writeOutbound(Unpooled.wrappedBuffer(w));
    }

    assertThat(reported)
        .containsExactly(
            new Reset(3, Http2Error.PROTOCOL_ERROR), new Reset(9, Http2Error.REFUSED_STREAM));
    assertThat(drain(ch)).isEqualTo(all);
  }

  /**
   * Regression: a connection the codec closed for the client's fault left no event. The first
   * GOAWAY with a fault's code is reported once, with its debug data made printable, however the
   * frame is cut into writes; one with NO_ERROR is not, and every byte passes unchanged.
   */
  @Test
  void write_goAwayWithAFault_reportedOnceWithItsMessage() {
    EmbeddedChannel ch = watchedHttp2();
    byte[] graceful = goAway(0, Http2Error.NO_ERROR, "");
    byte[] fault = goAway(3, Http2Error.PROTOCOL_ERROR, "First frame\001 was not SETTINGS");
    byte[] again = goAway(3, Http2Error.ENHANCE_YOUR_CALM, "again");
    byte[] all = concat(graceful, rst(1, Http2Error.CANCEL), fault, again);
    int cut = graceful.length + 13 + 9 + 8 + 5;

    ch.writeOutbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(all, 0, cut)));
    assertThat(closed).isEmpty();
    ch.writeOutbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(all, cut, all.length)));

    assertThat(closed)
        .containsExactly(new Closed(Http2Error.PROTOCOL_ERROR, "First frame? was not SETTINGS"));
    assertThat(reported).isEmpty();
    assertThat(drain(ch)).isEqualTo(all);
  }

  @Test
  void write_goAwayWithLongDebugData_keepsItsFirstBytesOnly() {
    EmbeddedChannel ch = watchedHttp2();
    byte[] frame = goAway(1, Http2Error.FRAME_SIZE_ERROR, "x".repeat(1000));

    ch.writeOutbound(Unpooled.wrappedBuffer(frame));

    assertThat(closed)
        .singleElement()
        .extracting(Closed::message)
        .isEqualTo("x".repeat(CodecResets.MAX_DEBUG));
    assertThat(drain(ch)).isEqualTo(frame);
  }

  @Test
  void write_goAwayOfTheListenersOwnFault_notReported() {
    EmbeddedChannel ch = watchedHttp2();

    ch.writeOutbound(Unpooled.wrappedBuffer(goAway(1, Http2Error.INTERNAL_ERROR, "oops")));

    assertThat(closed).isEmpty();
  }

  /** A server HTTP/2 codec with the watch in front, its own SETTINGS already drained. */
  private EmbeddedChannel watchedHttp2() {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new Http2ConnectionHandlerBuilder()
                .server(true)
                .frameListener(new Http2FrameAdapter())
                .build());
    CodecResets.install(ch.pipeline(), listener);
    drain(ch);
    return ch;
  }

  private static byte[] goAway(int lastStream, Http2Error error, String debug) {
    byte[] data = debug.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    return frame(
        0x7,
        0,
        0,
        ByteBuffer.allocate(8 + data.length)
            .putInt(lastStream)
            .putInt((int) error.code())
            .put(data)
            .array());
  }

  private static byte[] drain(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      b.release();
      out.writeBytes(bytes);
    }
    return out.toByteArray();
  }

  private static byte[] rst(int stream, Http2Error error) {
    return frame(0x3, 0, stream, ByteBuffer.allocate(4).putInt((int) error.code()).array());
  }

  /** One frame (RFC 9113 section 4.1): length, type, flags, stream, payload. */
  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    return ByteBuffer.allocate(9 + payload.length)
        .put((byte) (payload.length >>> 16))
        .putShort((short) payload.length)
        .put((byte) type)
        .put((byte) flags)
        .putInt(stream)
        .put(payload)
        .array();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
