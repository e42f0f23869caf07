package dev.vigil.identity;

import java.math.BigInteger;

/** Tells verifiers which certificate serials are revoked. Implementations are thread-safe. */
@FunctionalInterface
public interface RevocationList {

  /** A list with nothing revoked. */
  RevocationList NONE = (td, serial) -> false;

  /** Returns true when the certificate {@code serial} issued in {@code trustDomain} is revoked. */
  boolean revoked(TrustDomain trustDomain, BigInteger serial);
}
