package dev.vigil.gateway.upstream;

import dev.vigil.identity.BundleSource;
import dev.vigil.identity.RevocationList;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import java.util.Optional;
import java.util.function.Function;

/**
 * What the gateway proves and checks towards upstreams that are Vigil workloads: its own current
 * X.509-SVID in each trust domain, the bundles it verifies servers with and the serials it refuses.
 * Every method is read at each TLS handshake, so a renewed SVID or a new root applies to the next
 * connection without a restart. {@code vigil up} fills it from the SVIDs it holds as the gateway.
 *
 * <p>Implementations are thread-safe.
 */
public interface UpstreamIdentity {

  /** Returns the gateway's current SVID in {@code trustDomain}, or empty when it holds none. */
  Optional<X509Svid> svid(TrustDomain trustDomain);

  /** Returns the trust bundles servers are verified with. */
  BundleSource bundles();

  /** Returns the serials refused even when their chain verifies. */
  RevocationList revocations();

  /** Returns an identity that reads each part from the given sources at every call. */
  static UpstreamIdentity of(
      Function<TrustDomain, Optional<X509Svid>> svids,
      BundleSource bundles,
      RevocationList revocations) {
    return new UpstreamIdentity() {
      @Override
      public Optional<X509Svid> svid(TrustDomain trustDomain) {
        return svids.apply(trustDomain);
      }

      @Override
      public BundleSource bundles() {
        return bundles;
      }

      @Override
      public RevocationList revocations() {
        return revocations;
      }
    };
  }
}
