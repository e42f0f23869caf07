package dev.vigil.gateway.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Slow password hashes for local users: Argon2id with OWASP's baseline cost (19 MiB, two passes,
 * one lane), stored in the PHC string format {@code $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH}.
 * Thread-safe.
 */
public final class PasswordHash {

  private static final int MEMORY_KIB = 19_456;
  private static final int ITERATIONS = 2;
  private static final int PARALLELISM = 1;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private PasswordHash() {}

  /** Hashes a password with a fresh random salt. */
  public static String hash(String password) {
    byte[] salt = new byte[16];
    RANDOM.nextBytes(salt);
    byte[] out = derive(password, salt, MEMORY_KIB, ITERATIONS, PARALLELISM);
    return "$argon2id$v=19$m="
        + MEMORY_KIB
        + ",t="
        + ITERATIONS
        + ",p="
        + PARALLELISM
        + "$"
        + B64.encodeToString(salt)
        + "$"
        + B64.encodeToString(out);
  }

  /** Returns true when the password matches the stored hash; false for a malformed hash. */
  public static boolean verify(String password, String stored) {
    String[] parts = stored.split("\\$");
    if (parts.length != 6 || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
      return false;
    }
    int m;
    int t;
    int p;
    try {
      String[] params = parts[3].split(",");
      m = Integer.parseInt(params[0].substring(2));
      t = Integer.parseInt(params[1].substring(2));
      p = Integer.parseInt(params[2].substring(2));
      if (m < 8 || m > 1 << 21 || t < 1 || t > 20 || p < 1 || p > 16) {
        return false;
      }
      byte[] salt = B64D.decode(parts[4]);
      byte[] want = B64D.decode(parts[5]);
      byte[] got = derive(password, salt, m, t, p);
      return MessageDigest.isEqual(want, got);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static byte[] derive(String password, byte[] salt, int m, int t, int p) {
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(m)
            .withIterations(t)
            .withParallelism(p)
            .withSalt(salt)
            .build());
    byte[] out = new byte[32];
    gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
