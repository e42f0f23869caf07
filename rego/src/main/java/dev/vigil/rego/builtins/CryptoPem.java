package dev.vigil.rego.builtins;

import java.nio.charset.StandardCharsets;

/**
 * PEM decoding (RFC 7468) with the behaviour of Go's {@code encoding/pem}: text before a block is
 * skipped, a block whose body is not base64 is passed over, and what follows the END line is
 * returned as the rest.
 */
final class CryptoPem {

  private CryptoPem() {}

  /** One decoded block and the input after it. */
  record Block(String type, byte[] bytes, byte[] rest) {}

  /** Returns the first block in the data, or null when there is none. */
  static Block decode(byte[] data) {
    String rest = new String(data, StandardCharsets.ISO_8859_1);
    while (true) {
      if (rest.startsWith("-----BEGIN ")) {
        rest = rest.substring(11);
      } else {
        int i = rest.indexOf("\n-----BEGIN ");
        if (i < 0) {
          return null;
        }
        rest = rest.substring(i + 12);
      }
      String[] line = line(rest);
      String typeLine = line[0];
      rest = line[1];
      if (!typeLine.endsWith("-----")) {
        continue;
      }
      typeLine = typeLine.substring(0, typeLine.length() - 5);
      boolean headers = false;
      while (true) {
        if (rest.isEmpty()) {
          return null;
        }
        String[] next = line(rest);
        if (next[0].indexOf(':') < 0) {
          break;
        }
        headers = true;
        rest = next[1];
      }
      int endIndex;
      int trailerIndex;
      if (!headers && rest.startsWith("-----END ")) {
        endIndex = 0;
        trailerIndex = 9;
      } else {
        endIndex = rest.indexOf("\n-----END ");
        trailerIndex = endIndex + 10;
      }
      if (endIndex < 0) {
        continue;
      }
      String trailer = rest.substring(trailerIndex);
      int trailerLen = typeLine.length() + 5;
      if (trailer.length() < trailerLen) {
        continue;
      }
      String afterEnd = trailer.substring(trailerLen);
      trailer = trailer.substring(0, trailerLen);
      if (!trailer.startsWith(typeLine) || !trailer.endsWith("-----")) {
        continue;
      }
      if (!line(afterEnd)[0].isEmpty()) {
        continue;
      }
      String body = rest.substring(0, endIndex).replace(" ", "").replace("\t", "");
      byte[] bytes;
      try {
        bytes = CryptoBase64.decodeStd(body.getBytes(StandardCharsets.ISO_8859_1));
      } catch (CryptoBase64.Base64Exception e) {
        continue;
      }
      String after = line(rest.substring(endIndex + 9))[1];
      return new Block(typeLine, bytes, after.getBytes(StandardCharsets.ISO_8859_1));
    }
  }

  /** Splits off one line, without its line break and trailing blanks, as Go's getLine does. */
  private static String[] line(String data) {
    int i = data.indexOf('\n');
    int j;
    if (i < 0) {
      i = data.length();
      j = i;
    } else {
      j = i + 1;
      if (i > 0 && data.charAt(i - 1) == '\r') {
        i--;
      }
    }
    String line = data.substring(0, i);
    int end = line.length();
    while (end > 0 && (line.charAt(end - 1) == ' ' || line.charAt(end - 1) == '\t')) {
      end--;
    }
    return new String[] {line.substring(0, end), data.substring(j)};
  }

  /** Encodes DER bytes as a PEM block with 64-column lines. */
  static String encode(String type, byte[] der) {
    String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
  }
}
