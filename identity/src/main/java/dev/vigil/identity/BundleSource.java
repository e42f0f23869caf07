package dev.vigil.identity;

import java.util.Map;
import java.util.Optional;

/** Where a verifier finds the trust bundle of a trust domain. Implementations are thread-safe. */
@FunctionalInterface
public interface BundleSource {

  /** Returns the bundle of {@code trustDomain}, or empty when this verifier does not trust it. */
  Optional<TrustBundle> bundle(TrustDomain trustDomain);

  /** Returns a fixed source holding the given bundles. */
  static BundleSource of(TrustBundle... bundles) {
    Map<TrustDomain, TrustBundle> byDomain = new java.util.HashMap<>();
    for (TrustBundle b : bundles) {
      byDomain.put(b.trustDomain(), b);
    }
    Map<TrustDomain, TrustBundle> fixed = Map.copyOf(byDomain);
    return td -> Optional.ofNullable(fixed.get(td));
  }
}
