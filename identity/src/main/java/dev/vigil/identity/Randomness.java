package dev.vigil.identity;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Random sources for keys, serials and signatures, one per thread. The platform default (NativePRNG
 * on Linux) serialises every caller on one lock around reads of {@code /dev/urandom}; a DRBG per
 * thread, seeded from the platform, lets issuing threads run side by side.
 */
final class Randomness {

  private static final ThreadLocal<SecureRandom> PER_THREAD =
      ThreadLocal.withInitial(Randomness::newDrbg);

  private Randomness() {}

  static SecureRandom current() {
    return PER_THREAD.get();
  }

  private static SecureRandom newDrbg() {
    try {
      return SecureRandom.getInstance("DRBG");
    } catch (NoSuchAlgorithmException e) {
      return new SecureRandom();
    }
  }
}
