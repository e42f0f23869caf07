package dev.vigil.identity;

import java.time.Duration;

/**
 * How a trust domain's CA issues: its key type, its own lifetime and the lifetimes of the SVIDs it
 * signs. Immutable.
 *
 * <p>A CA must outlive at least six SVID lifetimes, so that rotation can publish the next root a
 * full SVID lifetime before it signs and keep the old root until the last SVID it signed expires; a
 * shorter CA lifetime is refused as a configuration error.
 *
 * @param keyType key of the CA, its JWT signing key and the SVIDs it issues
 * @param caTtl lifetime of each CA certificate
 * @param x509SvidTtl default lifetime of an X.509-SVID
 * @param jwtSvidTtl default lifetime of a JWT-SVID
 * @param refreshHint how often bundle consumers should refresh ({@code spiffe_refresh_hint})
 */
public record CaConfig(
    KeyType keyType,
    Duration caTtl,
    Duration x509SvidTtl,
    Duration jwtSvidTtl,
    Duration refreshHint) {

  /** Ratio of CA lifetime to SVID lifetime below which the configuration is refused. */
  public static final int MIN_SVID_LIFETIMES_PER_CA = 6;

  /**
   * Checks the configuration.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public CaConfig {
    if (keyType == null) {
      throw new IllegalArgumentException("configuration error: CA key type is missing");
    }
    positive("CA lifetime", caTtl);
    positive("X.509-SVID lifetime", x509SvidTtl);
    positive("JWT-SVID lifetime", jwtSvidTtl);
    positive("bundle refresh hint", refreshHint);
    Duration longest = x509SvidTtl.compareTo(jwtSvidTtl) >= 0 ? x509SvidTtl : jwtSvidTtl;
    if (caTtl.compareTo(longest.multipliedBy(MIN_SVID_LIFETIMES_PER_CA)) < 0) {
      throw new IllegalArgumentException(
          "configuration error: CA lifetime "
              + caTtl
              + " is under six SVID lifetimes (6 × "
              + longest
              + " = "
              + longest.multipliedBy(MIN_SVID_LIFETIMES_PER_CA)
              + "); lengthen the CA or shorten the SVIDs");
    }
  }

  /** Returns the defaults: EC P-256, CA for 30 days, X.509-SVIDs for 1 hour, JWT-SVIDs 5 min. */
  public static CaConfig defaults() {
    return new CaConfig(
        KeyType.EC_P256,
        Duration.ofDays(30),
        Duration.ofHours(1),
        Duration.ofMinutes(5),
        Duration.ofMinutes(5));
  }

  public CaConfig withKeyType(KeyType type) {
    return new CaConfig(type, caTtl, x509SvidTtl, jwtSvidTtl, refreshHint);
  }

  public CaConfig withLifetimes(Duration ca, Duration x509, Duration jwt) {
    return new CaConfig(keyType, ca, x509, jwt, refreshHint);
  }

  private static void positive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "configuration error: " + what + " must be positive, got " + d);
    }
  }
}
