package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SvidRejectedException.Reason;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The validator remembers chains it verified, so that a peer checked on every request does not cost
 * a signature check each time. What may change between two requests must still be caught: the time,
 * the trust bundle and revocations.
 */
class X509SvidValidatorMemoryTest {

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
  private final AtomicReference<TrustBundle> bundle = new AtomicReference<>(ca.bundle());
  private final Set<BigInteger> revoked = ConcurrentHashMap.newKeySet();
  private final X509SvidValidator validator =
      new X509SvidValidator(
          td -> td.equals(prod) ? Optional.ofNullable(bundle.get()) : Optional.empty(),
          (td, serial) -> revoked.contains(serial),
          clock);

  private final X509Svid svid =
      ca.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), null);

  private void assertRejected(Reason reason) {
    assertThatThrownBy(() -> validator.validate(svid.chain()))
        .isInstanceOfSatisfying(
            SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void sameChainTwice_acceptedBothTimes() throws Exception {
    assertThat(validator.validate(svid.chain())).hasToString("spiffe://prod.example/web");
    assertThat(validator.validate(List.copyOf(svid.chain())))
        .hasToString("spiffe://prod.example/web");
  }

  @Test
  void revokedAfterAFirstCheck_isRefusedAtTheNext() throws Exception {
    validator.validate(svid.chain());
    revoked.add(svid.leaf().getSerialNumber());
    assertRejected(Reason.REVOKED);
  }

  @Test
  void expiredAfterAFirstCheck_isRefusedAtTheNext() throws Exception {
    validator.validate(svid.chain());
    clock.step(Duration.ofHours(2));
    assertRejected(Reason.EXPIRED);
  }

  @Test
  void bundleNoLongerHoldingTheRoot_refusesTheChainItAcceptedBefore() throws Exception {
    validator.validate(svid.chain());
    TrustDomainCa other = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    bundle.set(other.bundle());
    assertRejected(Reason.CHAIN_UNTRUSTED);
  }

  @Test
  void bundleGone_refusesTheChainItAcceptedBefore() throws Exception {
    validator.validate(svid.chain());
    bundle.set(null);
    assertRejected(Reason.NO_BUNDLE);
  }

  @Test
  void equalBundleRepublished_stillAccepts() throws Exception {
    validator.validate(svid.chain());
    TrustBundle b = bundle.get();
    bundle.set(
        new TrustBundle(
            b.trustDomain(),
            b.x509Authorities(),
            Map.copyOf(b.jwtAuthorities()),
            b.sequence(),
            b.refreshHint()));
    assertThat(validator.validate(svid.chain())).hasToString("spiffe://prod.example/web");
  }
}
