package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SvidRejectedException.Reason;
import java.math.BigInteger;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/** One negative test per rule of the SPIFFE X509-SVID specification, on Vigil's own verifier. */
class X509SvidValidatorTest {

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
  private final X509SvidValidator validator =
      new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);

  private LeafBuilder leaf() {
    return new LeafBuilder(ca.active(), clock.instant());
  }

  private void assertRejected(List<X509Certificate> chain, Reason reason) {
    assertThatThrownBy(() -> validator.validate(chain))
        .isInstanceOfSatisfying(
            SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(reason));
  }

  @Test
  void issueX509_workloadId_carriesTheSpecProfile() throws Exception {
    SpiffeId id = SpiffeId.parse("spiffe://prod.example/ns/prod/sa/web");
    X509Svid svid = ca.issueX509(id, List.of("web.prod.internal"), null);
    X509Certificate c = svid.leaf();

    assertThat(X509SvidValidator.uriSans(c)).containsExactly(id.toString());
    assertThat(c.getBasicConstraints()).isEqualTo(-1);
    assertThat(c.getCriticalExtensionOIDs()).contains("2.5.29.15", "2.5.29.19");
    boolean[] ku = c.getKeyUsage();
    assertThat(ku[0]).isTrue();
    assertThat(ku[5]).isFalse();
    assertThat(ku[6]).isFalse();
    assertThat(c.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(svid.expiry()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
    assertThat(validator.validate(svid.chain())).isEqualTo(id);
  }

  @Test
  void validate_wellFormedHandBuiltLeaf_isAccepted() throws Exception {
    // The baseline every negative test below departs from by exactly one fault.
    assertThat(validator.validate(List.of(leaf().build())).toString())
        .isEqualTo("spiffe://prod.example/web");
  }

  @Test
  void validate_emptyChain_isRejected() {
    assertRejected(List.of(), Reason.CHAIN_EMPTY);
  }

  @Test
  void validate_noUriSan_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.clear();
    assertRejected(List.of(b.build()), Reason.LEAF_URI_SAN_COUNT);
  }

  @Test
  void validate_twoUriSans_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.add("spiffe://prod.example/db");
    assertRejected(List.of(b.build()), Reason.LEAF_URI_SAN_COUNT);
  }

  @Test
  void validate_uriSanNotSpiffe_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.set(0, "https://prod.example/web");
    assertRejected(List.of(b.build()), Reason.LEAF_ID_MALFORMED);
  }

  @Test
  void validate_upperCaseTrustDomainInSan_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.set(0, "spiffe://PROD.EXAMPLE/web");
    assertRejected(List.of(b.build()), Reason.LEAF_ID_MALFORMED);
  }

  @Test
  void validate_percentEncodedPathInSan_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.set(0, "spiffe://prod.example/a%2Fb");
    assertRejected(List.of(b.build()), Reason.LEAF_ID_MALFORMED);
  }

  @Test
  void validate_trustDomainIdOnLeaf_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.uris.set(0, "spiffe://prod.example");
    assertRejected(List.of(b.build()), Reason.LEAF_ID_NO_PATH);
  }

  @Test
  void validate_noBasicConstraints_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.ca = null;
    assertRejected(List.of(b.build()), Reason.LEAF_BASIC_CONSTRAINTS_MISSING);
  }

  @Test
  void validate_leafWithCaTrue_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.ca = true;
    assertRejected(List.of(b.build()), Reason.LEAF_IS_CA);
  }

  @Test
  void validate_noKeyUsage_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.keyUsage = null;
    assertRejected(List.of(b.build()), Reason.LEAF_KEY_USAGE_MISSING);
  }

  @Test
  void validate_keyUsageNotCritical_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.keyUsageCritical = false;
    assertRejected(List.of(b.build()), Reason.LEAF_KEY_USAGE_NOT_CRITICAL);
  }

  @Test
  void validate_noDigitalSignature_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.keyUsage = KeyUsage.keyAgreement;
    assertRejected(List.of(b.build()), Reason.LEAF_NO_DIGITAL_SIGNATURE);
  }

  @Test
  void validate_keyCertSignOnLeaf_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.keyUsage = KeyUsage.digitalSignature | KeyUsage.keyCertSign;
    assertRejected(List.of(b.build()), Reason.LEAF_KEY_CERT_SIGN);
  }

  @Test
  void validate_crlSignOnLeaf_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.keyUsage = KeyUsage.digitalSignature | KeyUsage.cRLSign;
    assertRejected(List.of(b.build()), Reason.LEAF_CRL_SIGN);
  }

  @Test
  void validate_extendedKeyUsageWithoutClientAuth_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.eku = List.of(KeyPurposeId.id_kp_serverAuth);
    assertRejected(List.of(b.build()), Reason.LEAF_EXTENDED_KEY_USAGE);
  }

  @Test
  void validate_extendedKeyUsageCodeSigningOnly_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.eku = List.of(KeyPurposeId.id_kp_codeSigning);
    assertRejected(List.of(b.build()), Reason.LEAF_EXTENDED_KEY_USAGE);
  }

  @Test
  void validate_noExtendedKeyUsage_isAcceptedAsTheSpecAllows() throws Exception {
    LeafBuilder b = leaf();
    b.eku = null;
    assertThat(validator.validate(List.of(b.build())).toString())
        .isEqualTo("spiffe://prod.example/web");
  }

  private X509Certificate intermediate(Boolean isCa, int usage, String uri) throws Exception {
    LeafBuilder i = leaf();
    i.ca = isCa;
    i.keyUsage = usage;
    i.eku = null;
    i.uris.clear();
    if (uri != null) {
      i.uris.add(uri);
    }
    return i.build();
  }

  private LeafBuilder leafUnder(X509Certificate inter, LeafBuilder interKeyHolder) {
    LeafBuilder b = leaf();
    b.issuer = inter;
    b.issuerKey = interKeyHolder.key.getPrivate();
    return b;
  }

  private List<X509Certificate> chainVia(Boolean isCa, int usage, String uri) throws Exception {
    LeafBuilder i = leaf();
    i.ca = isCa;
    i.keyUsage = usage;
    i.eku = null;
    i.uris.clear();
    if (uri != null) {
      i.uris.add(uri);
    }
    X509Certificate inter = i.build();
    return List.of(leafUnder(inter, i).build(), inter);
  }

  @Test
  void validate_chainThroughGoodIntermediate_isAccepted() throws Exception {
    List<X509Certificate> chain =
        chainVia(true, KeyUsage.keyCertSign | KeyUsage.cRLSign, "spiffe://prod.example");
    assertThat(validator.validate(chain).toString()).isEqualTo("spiffe://prod.example/web");
  }

  @Test
  void validate_signingCertNotCa_isRejected() throws Exception {
    assertRejected(chainVia(false, KeyUsage.keyCertSign, null), Reason.SIGNING_CERT_NOT_CA);
  }

  @Test
  void validate_signingCertWithoutKeyCertSign_isRejected() throws Exception {
    assertRejected(
        chainVia(true, KeyUsage.digitalSignature, null), Reason.SIGNING_CERT_NO_KEY_CERT_SIGN);
  }

  @Test
  void validate_signingCertWithWorkloadId_isRejected() throws Exception {
    assertRejected(
        chainVia(true, KeyUsage.keyCertSign, "spiffe://prod.example/ca"), Reason.SIGNING_CERT_ID);
  }

  @Test
  void validate_signingCertOfOtherTrustDomain_isRejected() throws Exception {
    assertRejected(
        chainVia(true, KeyUsage.keyCertSign, "spiffe://staging.example"), Reason.SIGNING_CERT_ID);
  }

  @Test
  void validate_rootOfTheBundleExpired_isRejected_forALeafAndThroughAnIntermediate()
      throws Exception {
    // Certificates that outlive their root, as a hand-made or older issuer could make them.
    X509Certificate root = ca.bundle().x509Authorities().getFirst();
    Instant afterRoot = root.getNotAfter().toInstant().plusSeconds(1);
    LeafBuilder direct = leaf();
    direct.notAfter = afterRoot.plus(Duration.ofDays(30));
    X509Certificate leafOnly = direct.build();
    LeafBuilder i = leaf();
    i.ca = true;
    i.keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
    i.eku = null;
    i.uris.clear();
    i.uris.add("spiffe://prod.example");
    i.notAfter = afterRoot.plus(Duration.ofDays(30));
    X509Certificate inter = i.build();
    LeafBuilder underInter = leafUnder(inter, i);
    underInter.notAfter = afterRoot.plus(Duration.ofDays(30));
    List<X509Certificate> viaIntermediate = List.of(underInter.build(), inter);
    assertThat(validator.validate(List.of(leafOnly)).toString())
        .isEqualTo("spiffe://prod.example/web");
    assertThat(validator.validate(viaIntermediate).toString())
        .isEqualTo("spiffe://prod.example/web");

    clock.step(Duration.between(clock.instant(), afterRoot));

    for (List<X509Certificate> chain : List.of(List.of(leafOnly), viaIntermediate)) {
      assertThatThrownBy(() -> validator.validate(chain))
          .isInstanceOfSatisfying(
              SvidRejectedException.class,
              e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_UNTRUSTED))
          .hasMessageContaining("no root of the trust bundle of prod.example is valid");
    }
  }

  @Test
  void validate_oldRootExpired_newRootValid_onlyTheNewRootAnchors() throws Exception {
    X509Certificate oldRoot = ca.bundle().x509Authorities().getFirst();
    clock.step(Duration.between(clock.instant(), oldRoot.getNotAfter().toInstant()).minusDays(1));
    TrustDomainCa current = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    TrustBundle both =
        new TrustBundle(
            prod,
            List.of(oldRoot, current.bundle().x509Authorities().getFirst()),
            current.bundle().jwtAuthorities(),
            current.bundle().sequence(),
            current.bundle().refreshHint());
    X509SvidValidator v = new X509SvidValidator(BundleSource.of(both), RevocationList.NONE, clock);
    LeafBuilder underOld = leaf();
    underOld.notAfter = clock.instant().plus(Duration.ofDays(10));
    X509Certificate oldLeaf = underOld.build();
    assertThat(v.validate(List.of(oldLeaf)).toString()).isEqualTo("spiffe://prod.example/web");

    clock.step(Duration.ofDays(2));

    assertThatThrownBy(() -> v.validate(List.of(oldLeaf)))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_UNTRUSTED))
        .hasMessageContaining("anchor nothing");
    X509Svid fresh =
        current.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), null);
    assertThat(v.validate(fresh.chain())).isEqualTo(fresh.id());
  }

  @Test
  void validate_beforeNotBefore_isRejected() throws Exception {
    LeafBuilder b = leaf();
    b.notBefore = clock.instant().plusSeconds(60);
    assertRejected(List.of(b.build()), Reason.NOT_YET_VALID);
  }

  @Test
  void validate_afterExpiry_isRejectedAndJustBeforeAccepted() throws Exception {
    X509Svid svid = ca.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), null);
    clock.step(Duration.ofMinutes(59));
    assertThat(validator.validate(svid.chain())).isEqualTo(svid.id());
    clock.step(Duration.ofMinutes(1).plusSeconds(1));
    assertRejected(svid.chain(), Reason.EXPIRED);
  }

  @Test
  void validate_stagingSvidAtProductionVerifier_isRejected() {
    TrustDomainCa staging =
        TrustDomainCa.create(new TrustDomain("staging.example"), CaConfig.defaults(), clock);
    X509Svid svid =
        staging.issueX509(SpiffeId.parse("spiffe://staging.example/web"), List.of(), null);
    assertRejected(svid.chain(), Reason.NO_BUNDLE);
  }

  @Test
  void validate_sameNameSignedByForeignRoot_isRejected() {
    // A second CA that claims prod.example but is not in prod.example's bundle.
    TrustDomainCa impostor = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    X509Svid svid =
        impostor.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), null);
    assertRejected(svid.chain(), Reason.CHAIN_UNTRUSTED);
  }

  @Test
  void validate_productionIdSignedByStagingRoot_isRejectedEvenWhenBothTrusted() throws Exception {
    TrustDomainCa staging =
        TrustDomainCa.create(new TrustDomain("staging.example"), CaConfig.defaults(), clock);
    X509SvidValidator both =
        new X509SvidValidator(
            BundleSource.of(ca.bundle(), staging.bundle()), RevocationList.NONE, clock);
    X509Svid stagingSvid =
        staging.issueX509(SpiffeId.parse("spiffe://staging.example/web"), List.of(), null);
    assertThat(both.validate(stagingSvid.chain()).toString())
        .isEqualTo("spiffe://staging.example/web");

    LeafBuilder forged = new LeafBuilder(staging.active(), clock.instant());
    forged.uris.set(0, "spiffe://prod.example/web");
    X509Certificate cert = forged.build();
    assertThatThrownBy(() -> both.validate(List.of(cert)))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.CHAIN_UNTRUSTED));
  }

  @Test
  void validate_revokedSerial_isRejected() throws Exception {
    X509Svid svid = ca.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), null);
    Set<BigInteger> revoked = Set.of(svid.serial());
    X509SvidValidator v =
        new X509SvidValidator(
            BundleSource.of(ca.bundle()), (td, serial) -> revoked.contains(serial), clock);
    assertThatThrownBy(() -> v.validate(svid.chain()))
        .isInstanceOfSatisfying(
            SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
  }

  @Test
  void issueX509_idOfOtherTrustDomain_isRefused() {
    assertThatThrownBy(
            () -> ca.issueX509(SpiffeId.parse("spiffe://staging.example/web"), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not in trust domain prod.example");
  }

  @Test
  void issueX509_trustDomainId_isRefused() {
    assertThatThrownBy(() -> ca.issueX509(prod.id(), List.of(), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no path");
  }

  @Test
  void issueX509_longTtl_isCutAtCaExpiry() {
    X509Svid svid =
        ca.issueX509(SpiffeId.parse("spiffe://prod.example/web"), List.of(), Duration.ofDays(400));
    assertThat(svid.expiry()).isEqualTo(ca.active().notAfter());
  }
}
