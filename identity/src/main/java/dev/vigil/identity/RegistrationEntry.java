package dev.vigil.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A registration entry: a workload that shows every one of {@code selectors} receives {@code
 * spiffeId}, with SVIDs of {@code ttl} (null: the trust domain's default) that also name {@code
 * dnsNames}. Immutable.
 */
public record RegistrationEntry(
    String id,
    SpiffeId spiffeId,
    List<Selector> selectors,
    Duration ttl,
    List<String> dnsNames,
    Instant createdAt) {

  /**
   * Checks the entry.
   *
   * @throws IllegalArgumentException naming what is wrong
   */
  public RegistrationEntry {
    if (spiffeId.isTrustDomainId()) {
      throw new IllegalArgumentException(
          "entry SPIFFE ID " + spiffeId + " has no path; an entry must name a workload");
    }
    selectors = List.copyOf(Set.copyOf(selectors)).stream().sorted().toList();
    if (selectors.isEmpty()) {
      throw new IllegalArgumentException(
          "entry for " + spiffeId + " needs at least one selector, e.g. unix:uid:1000");
    }
    if (ttl != null && (ttl.isNegative() || ttl.isZero())) {
      throw new IllegalArgumentException("entry TTL must be positive, got " + ttl);
    }
    DnsName.check(dnsNames);
    dnsNames = List.copyOf(dnsNames);
  }

  /** Returns true when a workload showing {@code shown} matches every selector of this entry. */
  public boolean matches(Set<Selector> shown) {
    return shown.containsAll(selectors);
  }
}
