package dev.vigil.testkit;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An HTTP/2 client written frame by frame (RFC 9113), for requests no real client library sends:
 * malformed header blocks that the server's codec must reset. Over a plain socket it speaks h2c
 * with prior knowledge; over a TLS socket it must have negotiated ALPN {@code h2} first.
 */
public final class RawHttp2 {

  /** The client connection preface (RFC 9113 section 3.4). */
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int GOAWAY = 0x7;

  private RawHttp2() {}

  /**
   * Sends the preface, an empty SETTINGS frame and one request per entry of {@code requests} on
   * streams 1, 3, 5 ..., each a single HEADERS frame that ends its stream. Each entry lists field
   * names and values in turn, sent as literals without indexing (RFC 7541 section 6.2.2), so that a
   * refused block leaves the server's decoder table as it was. Reads until every stream was reset
   * or answered, or the connection ended, and returns the error code of each reset stream.
   */
  public static Map<Integer, Long> send(Socket s, List<List<String>> requests) throws IOException {
    return send(s, 1, requests);
  }

  /**
   * As {@link #send(Socket, List)}, with the requests on streams {@code first}, {@code first + 2}
   * ...: after an upgrade to h2c (RFC 7540 section 3.2) stream 1 is the upgrading request's.
   */
  public static Map<Integer, Long> send(Socket s, int first, List<List<String>> requests)
      throws IOException {
    return exchange(s, first, requests).resets();
  }

  /**
   * What the server did with each request: the error code of each stream it reset, and the {@code
   * :status} of each it answered.
   */
  public record Outcome(Map<Integer, Long> resets, Map<Integer, Integer> statuses) {}

  /**
   * As {@link #send(Socket, List)}, and also reads the {@code :status} of each answer (its header
   * block decoded with Netty's HPACK decoder, so that the server's indexing is followed).
   */
  public static Outcome exchange(Socket s, List<List<String>> requests) throws IOException {
    return exchange(s, 1, requests);
  }

  private static Outcome exchange(Socket s, int first, List<List<String>> requests)
      throws IOException {
    s.setSoTimeout(10_000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.write(PREFACE);
    frame(out, SETTINGS, 0, 0, new byte[0]);
    Set<Integer> sent = new HashSet<>();
    for (int i = 0; i < requests.size(); i++) {
      sent.add(first + 2 * i);
      // END_STREAM | END_HEADERS
      frame(out, HEADERS, 0x5, first + 2 * i, block(requests.get(i)));
    }
    out.flush();
    Map<Integer, Long> resets = new TreeMap<>();
    Map<Integer, Integer> statuses = new TreeMap<>();
    DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
    DataInputStream in = new DataInputStream(s.getInputStream());
    try {
      while (resets.size() + statuses.size() < requests.size()) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        int stream = in.readInt() & 0x7fffffff;
        byte[] payload = in.readNBytes(length);
        if (type == RST_STREAM && sent.contains(stream)) {
          resets.put(stream, ByteBuffer.wrap(payload).getInt() & 0xffffffffL);
        } else if (type == HEADERS) {
          // Every block is decoded, so that the decoder's table follows the server's encoder.
          Integer status = status(hpack, stream, flags, payload);
          if (sent.contains(stream) && status != null) {
            statuses.putIfAbsent(stream, status);
          }
        } else if (type == SETTINGS && (flags & 0x1) == 0) {
          frame(out, SETTINGS, 0x1, 0, new byte[0]);
          out.flush();
        } else if (type == GOAWAY) {
          break;
        }
      }
    } catch (EOFException e) {
      // The server closed the connection: what was read is the answer.
    }
    return new Outcome(resets, statuses);
  }

  /**
   * Decodes a HEADERS frame's block (padding and priority removed; the block must fit one frame, as
   * a server's short answers do) and returns its {@code :status}, or null for trailers.
   */
  private static Integer status(
      DefaultHttp2HeadersDecoder hpack, int stream, int flags, byte[] payload) throws IOException {
    int from = 0;
    int to = payload.length;
    if ((flags & 0x8) != 0) {
      int pad = payload[0] & 0xff;
      from = 1;
      to -= pad;
    }
    if ((flags & 0x20) != 0) {
      from += 5;
    }
    try {
      Http2Headers h =
          hpack.decodeHeaders(stream, Unpooled.wrappedBuffer(payload, from, to - from));
      CharSequence status = h.status();
      return status == null ? null : Integer.valueOf(status.toString());
    } catch (Http2Exception e) {
      throw new IOException("the server's header block cannot be decoded: " + e.getMessage(), e);
    }
  }

  /** What the server ended a connection with: its GOAWAY's error code and debug data, if any. */
  public record Ending(long goAwayError, String debug) {

    /** The connection ended without a GOAWAY. */
    static final Ending NONE = new Ending(-1, "");
  }

  /** The client connection preface (RFC 9113 section 3.4), for bytes written by hand. */
  public static byte[] preface() {
    return PREFACE.clone();
  }

  /** One frame: its 9-byte header and {@code payload}. */
  public static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      frame(new DataOutputStream(b), type, flags, stream, payload);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return b.toByteArray();
  }

  /** A HEADERS frame that ends stream {@code stream}, with {@code fields} as literals. */
  public static byte[] request(int stream, List<String> fields) {
    return frame(HEADERS, 0x5, stream, block(fields));
  }

  /**
   * Writes {@code bytes} as they are, then reads the server's frames (acknowledging its SETTINGS)
   * until a GOAWAY comes or the connection ends, and tells which.
   */
  public static Ending sendRaw(Socket s, byte[] bytes) throws IOException {
    s.setSoTimeout(10_000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.write(bytes);
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    try {
      while (true) {
        int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt();
        byte[] payload = in.readNBytes(length);
        if (type == GOAWAY && payload.length >= 8) {
          ByteBuffer b = ByteBuffer.wrap(payload);
          b.getInt();
          long error = b.getInt() & 0xffffffffL;
          return new Ending(
              error, new String(payload, 8, payload.length - 8, StandardCharsets.ISO_8859_1));
        }
        if (type == SETTINGS && (flags & 0x1) == 0) {
          try {
            frame(out, SETTINGS, 0x1, 0, new byte[0]);
            out.flush();
          } catch (IOException e) {
            // The server may have closed already; its GOAWAY is still to be read.
          }
        }
      }
    } catch (EOFException | java.net.SocketException e) {
      return Ending.NONE;
    }
  }

  /** Encodes name and value pairs as literal fields without indexing, lengths under 128. */
  private static byte[] block(List<String> fields) {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    for (int f = 0; f < fields.size(); f += 2) {
      block.write(0);
      for (String part : List.of(fields.get(f), fields.get(f + 1))) {
        byte[] b = part.getBytes(StandardCharsets.US_ASCII);
        if (b.length > 127) {
          throw new IllegalArgumentException("field part longer than 127 bytes: " + part);
        }
        block.write(b.length);
        block.writeBytes(b);
      }
    }
    return block.toByteArray();
  }

  private static void frame(DataOutputStream out, int type, int flags, int stream, byte[] payload)
      throws IOException {
    out.writeByte(payload.length >>> 16);
    out.writeShort(payload.length & 0xffff);
    out.writeByte(type);
    out.writeByte(flags);
    out.writeInt(stream);
    out.write(payload);
  }
}
