package dev.vigil.gateway.auth;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.InstantSource;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Time-based one-time passwords (RFC 6238 over RFC 4226): HMAC-SHA1, 30-second steps, six digits,
 * one step of clock skew either way. Secrets travel in base32 (RFC 4648) as authenticator apps
 * expect. Stateless; replay protection is the caller's, through {@link #matchStep}.
 */
public final class Totp {

  private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  private static final long STEP_SECONDS = 30;
  private static final SecureRandom RANDOM = new SecureRandom();

  private Totp() {}

  /** Returns a new random secret of 160 bits, in base32. */
  public static String newSecret() {
    byte[] b = new byte[20];
    RANDOM.nextBytes(b);
    return base32(b);
  }

  /** Returns the code for a secret at the clock's current step. */
  public static String code(String secret, InstantSource clock) {
    return code(base32Decode(secret), clock.instant().getEpochSecond() / STEP_SECONDS);
  }

  /**
   * Returns the time step a code belongs to (the current one, or one either side), or -1 when the
   * code matches none. A caller that remembers the last step used can refuse replays.
   */
  public static long matchStep(String secret, String code, InstantSource clock) {
    if (code == null || !code.matches("\\d{6}")) {
      return -1;
    }
    byte[] key = base32Decode(secret);
    long now = clock.instant().getEpochSecond() / STEP_SECONDS;
    for (long step = now - 1; step <= now + 1; step++) {
      if (java.security.MessageDigest.isEqual(
          code(key, step).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
          code.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
        return step;
      }
    }
    return -1;
  }

  static String code(byte[] key, long step) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(key, "HmacSHA1"));
      byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(step).array());
      int offset = h[h.length - 1] & 0x0f;
      int binary =
          ((h[offset] & 0x7f) << 24)
              | ((h[offset + 1] & 0xff) << 16)
              | ((h[offset + 2] & 0xff) << 8)
              | (h[offset + 3] & 0xff);
      return String.format(Locale.ROOT, "%06d", binary % 1_000_000);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is not available", e);
    }
  }

  static String base32(byte[] data) {
    StringBuilder sb = new StringBuilder();
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        sb.append(ALPHABET.charAt((buffer >> (bits - 5)) & 31));
        bits -= 5;
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET.charAt((buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }

  /**
   * Checks a configured secret: base32 of 80 bits or more (16 characters; authenticator apps make
   * 160). Throws {@link IllegalArgumentException} saying what is wrong, since a secret that does
   * not decode would fail every sign-in of its user.
   */
  public static void checkSecret(String secret) {
    if (base32Decode(secret).length < 10) {
      throw new IllegalArgumentException(
          "TOTP secret is too short: at least 16 base32 characters (80 bits)");
    }
  }

  /** Decodes base32, ignoring case, spaces and padding; throws on other characters. */
  static byte[] base32Decode(String s) {
    String clean = s.replace(" ", "").replace("=", "").toUpperCase(Locale.ROOT);
    if (clean.isEmpty()) {
      throw new IllegalArgumentException("TOTP secret is empty");
    }
    ByteBuffer out = ByteBuffer.allocate(clean.length() * 5 / 8);
    int buffer = 0;
    int bits = 0;
    for (char c : clean.toCharArray()) {
      int v = ALPHABET.indexOf(c);
      if (v < 0) {
        throw new IllegalArgumentException("TOTP secret is not base32 (character '" + c + "')");
      }
      buffer = (buffer << 5) | v;
      bits += 5;
      if (bits >= 8) {
        out.put((byte) (buffer >> (bits - 8)));
        bits -= 8;
      }
    }
    return java.util.Arrays.copyOf(out.array(), out.position());
  }
}
