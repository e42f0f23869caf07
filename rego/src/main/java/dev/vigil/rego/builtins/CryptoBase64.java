package dev.vigil.rego.builtins;

import java.io.ByteArrayOutputStream;

/**
 * Base64 decoding with the behaviour and messages of Go's {@code encoding/base64}, which OPA's
 * builtins use: line breaks are skipped, and the first bad byte is reported as {@code illegal
 * base64 data at input byte N}, N counting UTF-8 bytes of the input.
 */
final class CryptoBase64 {

  private static final String STD =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final String URL =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

  private CryptoBase64() {}

  /** Thrown when the input is not base64; the message is Go's. */
  static final class Base64Exception extends Exception {
    Base64Exception(int offset) {
      super("illegal base64 data at input byte " + offset, null, false, false);
    }
  }

  /** Decodes padded standard base64 (RFC 4648 section 4). */
  static byte[] decodeStd(byte[] src) throws Base64Exception {
    return decode(src, STD, true);
  }

  /** Decodes padded URL-safe base64 (RFC 4648 section 5). */
  static byte[] decodeUrl(byte[] src) throws Base64Exception {
    return decode(src, URL, true);
  }

  /**
   * Decodes URL-safe base64 the way OPA's {@code base64url.decode} does: input without trailing
   * {@code =} is padded first (RFC 7515 appendix C).
   */
  static byte[] decodeUrlLenient(String s) throws Base64Exception, IllegalArgumentException {
    if (!s.endsWith("=")) {
      switch (utf8(s).length % 4) {
        case 0 -> {}
        case 2 -> s += "==";
        case 3 -> s += "=";
        default -> throw new IllegalArgumentException("illegal base64url string: " + s);
      }
    }
    return decodeUrl(utf8(s));
  }

  static byte[] utf8(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static byte[] decode(byte[] src, String alphabet, boolean padded) throws Base64Exception {
    int[] map = new int[256];
    java.util.Arrays.fill(map, -1);
    for (int i = 0; i < alphabet.length(); i++) {
      map[alphabet.charAt(i)] = i;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(src.length * 3 / 4 + 3);
    int si = 0;
    while (si < src.length) {
      int[] buf = new int[4];
      int dlen = 4;
      Integer trailingError = null;
      boolean done = false;
      for (int j = 0; j < 4 && !done; j++) {
        if (si == src.length) {
          if (j == 0) {
            return out.toByteArray();
          }
          if (j == 1 || padded) {
            throw new Base64Exception(si - j);
          }
          dlen = j;
          break;
        }
        int in = src[si] & 0xff;
        si++;
        if (map[in] >= 0) {
          buf[j] = map[in];
          continue;
        }
        if (in == '\n' || in == '\r') {
          j--;
          continue;
        }
        if (!padded || in != '=') {
          throw new Base64Exception(si - 1);
        }
        if (j < 2) {
          throw new Base64Exception(si - 1);
        }
        if (j == 2) {
          si = skipNewlines(src, si);
          if (si == src.length) {
            throw new Base64Exception(src.length);
          }
          if (src[si] != '=') {
            throw new Base64Exception(si - 1);
          }
          si++;
        }
        si = skipNewlines(src, si);
        if (si < src.length) {
          trailingError = si;
        }
        dlen = j;
        done = true;
      }
      int val = buf[0] << 18 | buf[1] << 12 | buf[2] << 6 | buf[3];
      if (dlen >= 2) {
        out.write(val >> 16);
      }
      if (dlen >= 3) {
        out.write(val >> 8);
      }
      if (dlen == 4) {
        out.write(val);
      }
      if (trailingError != null) {
        throw new Base64Exception(trailingError);
      }
      if (done) {
        return out.toByteArray();
      }
    }
    return out.toByteArray();
  }

  private static int skipNewlines(byte[] src, int si) {
    while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
      si++;
    }
    return si;
  }
}
