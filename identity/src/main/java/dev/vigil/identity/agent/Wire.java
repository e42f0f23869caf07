package dev.vigil.identity.agent;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol buffers wire format, just as much as the Workload API's messages need: varints,
 * length-delimited fields (strings, bytes, nested messages), 64-bit doubles, and skipping of
 * unknown fields. Written by hand so that the agent needs no protoc and no protobuf runtime whose
 * version could clash with a client's.
 */
final class Wire {

  private Wire() {}

  /** Builds one message. Not thread-safe. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Writer string(int field, String s) {
      return s == null || s.isEmpty() ? this : bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Writer bytes(int field, byte[] b) {
      tag(field, 2);
      varint(b.length);
      out.writeBytes(b);
      return this;
    }

    Writer message(int field, Writer nested) {
      return bytes(field, nested.toBytes());
    }

    Writer number(int field, double d) {
      tag(field, 1);
      long bits = Double.doubleToLongBits(d);
      for (int i = 0; i < 8; i++) {
        out.write((int) (bits >>> (8 * i)) & 0xff);
      }
      return this;
    }

    Writer bool(int field, boolean v) {
      tag(field, 0);
      varint(v ? 1 : 0);
      return this;
    }

    private void tag(int field, int type) {
      varint(((long) field << 3) | type);
    }

    private void varint(long v) {
      while ((v & ~0x7fL) != 0) {
        out.write((int) ((v & 0x7f) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }

  /** One field read from a message. */
  record Field(int number, int type, long varint, byte[] bytes) {
    String string() {
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /**
   * Reads every field of a message, in order.
   *
   * @throws IllegalArgumentException for a truncated or malformed message
   */
  static List<Field> read(byte[] msg) {
    List<Field> fields = new ArrayList<>();
    int[] pos = {0};
    while (pos[0] < msg.length) {
      long key = varint(msg, pos);
      int number = (int) (key >>> 3);
      int type = (int) (key & 7);
      switch (type) {
        case 0 -> fields.add(new Field(number, type, varint(msg, pos), null));
        case 1 -> skip(msg, pos, 8);
        case 2 -> {
          long len = varint(msg, pos);
          if (len < 0 || len > msg.length - pos[0]) {
            throw new IllegalArgumentException("protobuf field " + number + " is truncated");
          }
          byte[] b = new byte[(int) len];
          System.arraycopy(msg, pos[0], b, 0, b.length);
          pos[0] += b.length;
          fields.add(new Field(number, type, 0, b));
        }
        case 5 -> skip(msg, pos, 4);
        default ->
            throw new IllegalArgumentException("protobuf wire type " + type + " is not supported");
      }
    }
    return fields;
  }

  private static void skip(byte[] msg, int[] pos, int n) {
    if (msg.length - pos[0] < n) {
      throw new IllegalArgumentException("protobuf message is truncated");
    }
    pos[0] += n;
  }

  private static long varint(byte[] msg, int[] pos) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= msg.length) {
        throw new IllegalArgumentException("protobuf varint is truncated");
      }
      byte b = msg[pos[0]++];
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("protobuf varint is too long");
  }
}
