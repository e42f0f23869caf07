package dev.vigil.rego.builtins;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Base64 decoding as Go's {@code encoding/base64} does it (RFC 4648 section 4 and 5, padded), so
 * that errors name the same byte offset: {@code illegal base64 data at input byte 4}. Carriage
 * returns and newlines in the input are skipped, as Go skips them.
 */
final class EncodingBase64 {

  private static final byte[] STD = table("+/");
  private static final byte[] URL = table("-_");

  private EncodingBase64() {}

  /** Thrown with Go's {@code CorruptInputError} message. */
  static final class CorruptInputException extends RuntimeException {
    CorruptInputException(int offset) {
      super("illegal base64 data at input byte " + offset, null, false, false);
    }
  }

  private static byte[] table(String last2) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + last2;
    byte[] t = new byte[256];
    java.util.Arrays.fill(t, (byte) -1);
    for (int i = 0; i < alphabet.length(); i++) {
      t[alphabet.charAt(i)] = (byte) i;
    }
    return t;
  }

  static byte[] decodeStd(String s) {
    return decode(s.getBytes(StandardCharsets.UTF_8), STD);
  }

  static byte[] decodeUrl(String s) {
    return decode(s.getBytes(StandardCharsets.UTF_8), URL);
  }

  private static byte[] decode(byte[] src, byte[] table) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(src.length * 3 / 4);
    int si = 0;
    while (si < src.length) {
      int[] quantum = new int[4];
      int n = 0;
      boolean end = false;
      while (n < 4) {
        if (si == src.length) {
          if (n == 0) {
            return out.toByteArray();
          }
          throw new CorruptInputException(si - n);
        }
        int in = src[si++] & 0xff;
        int v = table[in];
        if (v >= 0) {
          quantum[n++] = v;
          continue;
        }
        if (in == '\n' || in == '\r') {
          continue;
        }
        if (in != '=') {
          throw new CorruptInputException(si - 1);
        }
        si = checkPadding(src, si, n);
        end = true;
        break;
      }
      emit(quantum, n, out);
      if (end) {
        return out.toByteArray();
      }
    }
    return out.toByteArray();
  }

  /** Checks the padding that starts before si, with n symbols of the quantum read. */
  private static int checkPadding(byte[] src, int si, int n) {
    if (n < 2) {
      throw new CorruptInputException(si - 1);
    }
    if (n == 2) {
      si = skipNewlines(src, si);
      if (si == src.length) {
        throw new CorruptInputException(src.length);
      }
      if (src[si] != '=') {
        throw new CorruptInputException(si - 1);
      }
      si++;
    }
    si = skipNewlines(src, si);
    if (si < src.length) {
      throw new CorruptInputException(si);
    }
    return si;
  }

  private static int skipNewlines(byte[] src, int si) {
    while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
      si++;
    }
    return si;
  }

  private static void emit(int[] q, int n, ByteArrayOutputStream out) {
    int val = q[0] << 18 | q[1] << 12 | q[2] << 6 | q[3];
    if (n >= 2) {
      out.write(val >> 16);
    }
    if (n >= 3) {
      out.write(val >> 8);
    }
    if (n == 4) {
      out.write(val);
    }
  }
}
