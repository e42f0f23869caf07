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
  private static final Parsed DEFAULT =
      new Parsed(null, MEMORY_KIB, ITERATIONS, PARALLELISM, null, null);

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
    Parsed h = parse(stored);
    if (h.problem() != null) {
      return false;
    }
    byte[] got = derive(password, h.salt(), h.memory(), h.iterations(), h.parallelism());
    return MessageDigest.isEqual(h.hash(), got);
  }

  /**
   * Returns a stored hash with the parameters of {@code like} (the default ones when it does not
   * read), a random salt and a random hash: no password matches it (but with odds of 2^-256), and
   * checking one against it costs what checking against {@code like} does. For names that are no
   * one's, so that they cost what a user's does.
   */
  public static String decoy(String like) {
    Parsed h = like == null ? Parsed.refused("none") : parse(like);
    byte[] salt = new byte[16];
    byte[] hash = new byte[32];
    RANDOM.nextBytes(salt);
    RANDOM.nextBytes(hash);
    return "$argon2id$v=19$"
        + parameters(h.problem() == null ? h : DEFAULT)
        + "$"
        + B64.encodeToString(salt)
        + "$"
        + B64.encodeToString(hash);
  }

  /** Returns the {@code m=M,t=T,p=P} parameters of a stored hash, or null when it does not read. */
  public static String parameters(String stored) {
    if (stored == null) {
      return null;
    }
    Parsed h = parse(stored);
    return h.problem() == null ? parameters(h) : null;
  }

  private static String parameters(Parsed h) {
    return "m=" + h.memory() + ",t=" + h.iterations() + ",p=" + h.parallelism();
  }

  /**
   * Returns what is wrong with a stored hash, or null when it is an Argon2id hash this class can
   * check: a hash that cannot be read would refuse every password, so configuration refuses it.
   */
  public static String problem(String stored) {
    return parse(stored).problem();
  }

  /** A stored hash taken apart, or the reason it cannot be. */
  private record Parsed(
      String problem, int memory, int iterations, int parallelism, byte[] salt, byte[] hash) {

    static Parsed refused(String why) {
      return new Parsed(why, 0, 0, 0, null, null);
    }
  }

  private static Parsed parse(String stored) {
    String[] parts = stored.split("\\$", -1);
    if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id")) {
      return Parsed.refused("is not $argon2id$v=19$m=M,t=T,p=P$SALT$HASH");
    }
    if (!parts[2].equals("v=19")) {
      return Parsed.refused("has version \"" + parts[2] + "\"; only v=19 is read");
    }
    String[] params = parts[3].split(",", -1);
    if (params.length != 3
        || !params[0].startsWith("m=")
        || !params[1].startsWith("t=")
        || !params[2].startsWith("p=")) {
      return Parsed.refused("has parameters \"" + parts[3] + "\", not m=M,t=T,p=P");
    }
    int m;
    int t;
    int p;
    byte[] salt;
    byte[] hash;
    try {
      m = Integer.parseInt(params[0].substring(2));
      t = Integer.parseInt(params[1].substring(2));
      p = Integer.parseInt(params[2].substring(2));
      salt = B64D.decode(parts[4]);
      hash = B64D.decode(parts[5]);
    } catch (IllegalArgumentException e) {
      return Parsed.refused("has a parameter, salt or hash that does not read: " + e.getMessage());
    }
    if (m < 8 || m > 1 << 21 || t < 1 || t > 20 || p < 1 || p > 16) {
      return Parsed.refused(
          "has parameters \"" + parts[3] + "\" out of range (m 8..2097152, t 1..20, p 1..16)");
    }
    if (salt.length < 8 || hash.length != 32) {
      return Parsed.refused("needs a salt of 8 bytes or more and a hash of 32 bytes");
    }
    return new Parsed(null, m, t, p, salt, hash);
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
