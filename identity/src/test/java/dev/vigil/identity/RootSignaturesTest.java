package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SvidRejectedException.Reason;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fast signature check answers "verified" only where full PKIX would, and hands every other
 * chain to PKIX, whose verdict the validator then reports.
 */
class RootSignaturesTest {

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");

  private TrustDomainCa ca(KeyType type) {
    return TrustDomainCa.create(prod, CaConfig.defaults().withKeyType(type), clock);
  }

  private X509SvidValidator validator(TrustDomainCa ca) {
    return new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);
  }

  @Test
  void signedByRoot_leafTheCaIssued_isTrue() {
    TrustDomainCa ca = ca(KeyType.EC_P256);
    X509Certificate leaf = ca.issueX509(web, List.of(), null).leaf();

    assertThat(RootSignatures.signedByRoot(leaf, ca.bundle().x509Authorities())).isTrue();
  }

  @Test
  void signedByRoot_p384Root_isTrue() {
    TrustDomainCa ca = ca(KeyType.EC_P384);
    X509Certificate leaf = ca.issueX509(web, List.of(), null).leaf();

    assertThat(RootSignatures.signedByRoot(leaf, ca.bundle().x509Authorities())).isTrue();
  }

  @Test
  void signedByRoot_issuerNameOfRootButSignedByAnotherKey_isFalseAndPkixRefuses() throws Exception {
    TrustDomainCa ca = ca(KeyType.EC_P256);
    TrustDomainCa impostor = ca(KeyType.EC_P256);
    LeafBuilder b = new LeafBuilder(ca.active(), clock.instant());
    b.issuerKey = impostor.active().privateKey();
    X509Certificate forged = b.build();

    assertThat(RootSignatures.signedByRoot(forged, ca.bundle().x509Authorities())).isFalse();
    assertThatThrownBy(() -> validator(ca).validate(List.of(forged)))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_UNTRUSTED));
  }

  @Test
  void signedByRoot_unknownCriticalExtension_isFalseAndPkixRefuses() throws Exception {
    TrustDomainCa ca = ca(KeyType.EC_P256);
    LeafBuilder b = new LeafBuilder(ca.active(), clock.instant());
    b.extraCriticalOid = "1.3.6.1.4.1.99999.1";
    X509Certificate leaf = b.build();

    assertThat(RootSignatures.signedByRoot(leaf, ca.bundle().x509Authorities())).isFalse();
    assertThatThrownBy(() -> validator(ca).validate(List.of(leaf)))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_UNTRUSTED));
  }

  @Test
  void signedByRoot_rsaRoot_isFalseAndPkixAccepts() throws Exception {
    TrustDomainCa ca = ca(KeyType.RSA_2048);
    X509Svid svid = ca.issueX509(web, List.of(), null);

    assertThat(RootSignatures.signedByRoot(svid.leaf(), ca.bundle().x509Authorities())).isFalse();
    assertThat(validator(ca).validate(svid.chain())).isEqualTo(web);
  }

  @Test
  void signedByRoot_leafOfAnotherTrustDomainsRoot_isFalse() {
    TrustDomainCa ca = ca(KeyType.EC_P256);
    TrustDomainCa other = ca(KeyType.EC_P256);
    X509Certificate leaf = other.issueX509(web, List.of(), null).leaf();

    assertThat(RootSignatures.signedByRoot(leaf, ca.bundle().x509Authorities())).isFalse();
  }
}
