package dev.vigil.identity;

import dev.vigil.store.Store;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the store holds of workload identity, read without the CA key: each trust domain's roots
 * (certificates only, no private key is opened), the imported bundles with when they were imported,
 * the registration entries and the number of revoked serials per trust domain. For reports that
 * read and never sign, such as {@code vigil insight}. Immutable.
 *
 * @param trustDomains the trust domains whose CA runs on this store, by name
 * @param federated the bundles imported from other trust domains, by trust domain
 * @param entries the registration entries
 * @param revoked how many serials are revoked, by trust domain name
 */
public record StoredIdentity(
    List<TrustDomainRoots> trustDomains,
    List<Federation> federated,
    List<RegistrationEntry> entries,
    Map<String, Long> revoked) {

  public StoredIdentity {
    trustDomains = List.copyOf(trustDomains);
    federated = List.copyOf(federated);
    entries = List.copyOf(entries);
    revoked = Map.copyOf(revoked);
  }

  /**
   * One root of a trust domain as stored.
   *
   * @param activatedAt when it started signing, or null while prepared
   */
  public record Root(
      String id, CaAuthority.State state, X509Certificate certificate, Instant activatedAt) {}

  /**
   * A trust domain whose CA runs here, with its roots in rotation order.
   *
   * @param x509Ttl the default lifetime of its X.509-SVIDs
   * @param refreshHint how long a prepared root is published before it may be activated
   */
  public record TrustDomainRoots(
      TrustDomain trustDomain, Duration x509Ttl, Duration refreshHint, List<Root> roots) {
    public TrustDomainRoots {
      roots = List.copyOf(roots);
    }
  }

  /**
   * A bundle imported with {@code vigil identity federate}.
   *
   * @param source the file or URL it came from
   * @param importedAt when it was imported last
   */
  public record Federation(TrustBundle bundle, String source, Instant importedAt) {}

  /**
   * Reads what {@code store} holds.
   *
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static StoredIdentity read(Store store) {
    IdentityStore s = new IdentityStore(store, null);
    return new StoredIdentity(s.roots(), s.federations(), s.entries(), s.revokedCounts());
  }
}
