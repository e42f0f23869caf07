package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaAuthority.State;
import dev.vigil.identity.SvidRejectedException.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** CA configuration, key types and rotation (prepare → activate → retire) on a fake clock. */
class TrustDomainCaTest {

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");

  @Test
  void caConfig_caUnderSixSvidLifetimes_isConfigurationError() {
    assertThatThrownBy(
            () ->
                CaConfig.defaults()
                    .withLifetimes(
                        Duration.ofHours(6).minusSeconds(1),
                        Duration.ofHours(1),
                        Duration.ofMinutes(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("configuration error")
        .hasMessageContaining("under six SVID lifetimes");
  }

  @Test
  void caConfig_caOfExactlySixSvidLifetimes_isAccepted() {
    CaConfig c =
        CaConfig.defaults()
            .withLifetimes(Duration.ofHours(6), Duration.ofHours(1), Duration.ofMinutes(5));
    assertThat(c.caTtl()).isEqualTo(Duration.ofHours(6));
  }

  @Test
  void caConfig_jwtLifetimeCountsToo() {
    assertThatThrownBy(
            () ->
                CaConfig.defaults()
                    .withLifetimes(Duration.ofHours(6), Duration.ofMinutes(5), Duration.ofHours(2)))
        .hasMessageContaining("under six SVID lifetimes");
  }

  @Test
  void caConfig_zeroLifetime_isRejected() {
    assertThatThrownBy(
            () ->
                CaConfig.defaults().withLifetimes(Duration.ofDays(1), Duration.ZERO, Duration.ZERO))
        .hasMessageContaining("X.509-SVID lifetime must be positive");
  }

  @ParameterizedTest
  @EnumSource(KeyType.class)
  void issue_everyKeyType_givesValidSvids(KeyType type) throws Exception {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults().withKeyType(type), clock);
    X509Svid svid = ca.issueX509(web, List.of(), null);
    assertThat(KeyType.of(ca.active().certificate().getPublicKey())).isEqualTo(type);
    assertThat(KeyType.of(svid.leaf().getPublicKey())).isEqualTo(type);
    X509SvidValidator v =
        new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);
    assertThat(v.validate(svid.chain())).isEqualTo(web);
    JwtSvid jwt = ca.issueJwt(web, List.of("db"), null);
    assertThat(
            new JwtSvidValidator(BundleSource.of(ca.bundle()), clock)
                .validate(jwt.token(), "db")
                .id())
        .isEqualTo(web);
  }

  @Test
  void keyType_parse_unknownLabelNamesTheAcceptedOnes() {
    assertThat(KeyType.parse("EC-P384")).isEqualTo(KeyType.EC_P384);
    assertThatThrownBy(() -> KeyType.parse("dsa"))
        .hasMessageContaining("\"dsa\"")
        .hasMessageContaining("ec-p256");
  }

  @Test
  void rootCertificate_isCaWithKeyCertSignAndTrustDomainId() throws Exception {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    var root = ca.active().certificate();
    assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    assertThat(root.getKeyUsage()[5]).isTrue();
    assertThat(X509SvidValidator.uriSans(root)).containsExactly("spiffe://prod.example");
    assertThat(ca.active().notAfter()).isEqualTo(clock.instant().plus(Duration.ofDays(30)));
  }

  @Test
  void rotation_prepareActivateRetire_publishesNextRootBeforeItSigns() throws Exception {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    CaAuthority first = ca.active();
    X509Svid oldSvid = ca.issueX509(web, List.of(), null);
    long seq0 = ca.sequence();

    CaAuthority next = ca.prepare();
    assertThat(ca.sequence()).isEqualTo(seq0 + 1);
    assertThat(ca.bundle().x509Authorities())
        .containsExactly(first.certificate(), next.certificate());
    assertThat(ca.bundle().jwtAuthorities()).containsKeys(first.jwtKeyId(), next.jwtKeyId());
    X509Svid stillOld = ca.issueX509(web, List.of(), null);
    assertThat(stillOld.leaf().getIssuerX500Principal())
        .isEqualTo(first.certificate().getSubjectX500Principal());
    assertThatThrownBy(ca::prepare).hasMessageContaining("already has prepared root");

    assertThatThrownBy(ca::activate).hasMessageContaining("less than one bundle refresh hint");
    clock.step(Duration.ofMinutes(5));
    ca.activate();
    assertThat(ca.active().id()).isEqualTo(next.id());
    assertThat(ca.sequence()).isEqualTo(seq0 + 2);
    X509Svid newSvid = ca.issueX509(web, List.of(), null);
    assertThat(newSvid.leaf().getIssuerX500Principal())
        .isEqualTo(next.certificate().getSubjectX500Principal());

    X509SvidValidator v =
        new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);
    assertThat(v.validate(oldSvid.chain())).isEqualTo(web);
    assertThat(v.validate(newSvid.chain())).isEqualTo(web);

    assertThat(ca.retire()).isEmpty();
    clock.step(Duration.ofHours(1));
    List<CaAuthority> retired = ca.retire();
    assertThat(retired).extracting(CaAuthority::id).containsExactly(first.id());
    assertThat(ca.sequence()).isEqualTo(seq0 + 3);
    assertThat(ca.bundle().x509Authorities()).containsExactly(next.certificate());
    assertThat(ca.authorities())
        .extracting(CaAuthority::state)
        .containsExactly(State.RETIRED, State.ACTIVE);

    X509SvidValidator after =
        new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);
    assertThatThrownBy(() -> after.validate(oldSvid.chain()))
        .isInstanceOf(SvidRejectedException.class);
  }

  @Test
  void rotateIfDue_steppedClock_preparesActivatesRetiresOnSchedule() throws Exception {
    CaConfig cfg =
        CaConfig.defaults()
            .withLifetimes(Duration.ofHours(6), Duration.ofHours(1), Duration.ofMinutes(5));
    TrustDomainCa ca = TrustDomainCa.create(prod, cfg, clock);
    CaAuthority first = ca.active();
    clock.step(Duration.ofHours(3).minusSeconds(1));
    assertThat(ca.rotateIfDue()).isEmpty();
    clock.step(Duration.ofSeconds(1));
    assertThat(ca.rotateIfDue()).containsExactly("prepare");
    X509Svid lastOfFirst = ca.issueX509(web, List.of(), null);
    clock.step(Duration.ofMinutes(59));
    assertThat(ca.rotateIfDue()).isEmpty();
    clock.step(Duration.ofMinutes(1));
    assertThat(ca.rotateIfDue()).containsExactly("activate");
    assertThat(ca.active().id()).isNotEqualTo(first.id());
    X509SvidValidator v =
        new X509SvidValidator(BundleSource.of(ca.bundle()), RevocationList.NONE, clock);
    assertThat(v.validate(lastOfFirst.chain())).isEqualTo(web);
    clock.step(Duration.ofHours(1));
    assertThat(ca.rotateIfDue()).containsExactly("retire");
    assertThat(ca.bundle().x509Authorities()).containsExactly(ca.active().certificate());
    assertThat(ca.sequence()).isEqualTo(4);
    // The new root follows the same schedule from its own start.
    assertThat(ca.rotateIfDue()).isEmpty();
  }

  @Test
  void issueX509_dnsNameThatIsNoHostName_isRefusedNamingIt() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    for (String bad : List.of("", "a b", "h\u00e9llo.example", "-web.example", "Web.Example")) {
      assertThatThrownBy(() -> ca.issueX509(web, List.of("web.example", bad), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("DNS name \"" + bad + "\"");
    }
    assertThat(ca.issueX509(web, List.of("web.internal"), null).chain()).hasSize(1);
  }

  @Test
  void issue_lifetimeNotPositive_isRefusedAsInputNotAsCaFault() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    for (Duration ttl : List.of(Duration.ZERO, Duration.ofSeconds(-5))) {
      assertThatThrownBy(() -> ca.issueX509(web, List.of(), ttl))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lifetime must be positive, got " + ttl);
      assertThatThrownBy(() -> ca.issueJwt(web, List.of("db"), ttl))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("lifetime must be positive, got " + ttl);
    }
  }

  @Test
  void activate_withNothingPrepared_isRefused() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    assertThatThrownBy(ca::activate).hasMessageContaining("no prepared root");
  }

  @Test
  void issue_nearRootExpiry_svidDoesNotOutliveRoot() throws Exception {
    CaConfig cfg =
        CaConfig.defaults()
            .withLifetimes(Duration.ofHours(6), Duration.ofHours(1), Duration.ofMinutes(5));
    TrustDomainCa ca = TrustDomainCa.create(prod, cfg, clock);
    clock.step(Duration.ofHours(5).plusMinutes(30));
    X509Svid svid = ca.issueX509(web, List.of(), null);
    assertThat(svid.expiry()).isEqualTo(ca.active().notAfter());
    JwtSvid jwt = ca.issueJwt(web, List.of("db"), null);
    assertThat(jwt.expiry()).isBeforeOrEqualTo(ca.active().notAfter());
  }

  @Test
  void bundle_json_isSpiffeFormatAndRoundTrips() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    ca.prepare();
    TrustBundle b = ca.bundle();
    String json = b.toJson();
    assertThat(json)
        .contains("\"use\":\"x509-svid\"")
        .contains("\"use\":\"jwt-svid\"")
        .contains("\"x5c\"")
        .contains("\"spiffe_sequence\":2")
        .contains("\"spiffe_refresh_hint\":300")
        .doesNotContain("\"d\"");
    TrustBundle parsed = TrustBundle.parse(prod, json);
    assertThat(parsed.x509Authorities()).isEqualTo(b.x509Authorities());
    assertThat(parsed.jwtAuthorities()).isEqualTo(b.jwtAuthorities());
    assertThat(parsed.sequence()).isEqualTo(2);
    assertThat(parsed.refreshHint()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void bundle_parse_keyWithRepeatedUse_refusedNamingTheKey() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    // The JWT key read as an X.509 root by a first-wins reader, as a JWT key here.
    String json =
        ca.bundle()
            .toJson()
            .replace("\"use\":\"jwt-svid\"", "\"use\":\"x509-svid\",\"use\":\"jwt-svid\"");

    assertThatThrownBy(() -> TrustBundle.parse(prod, json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bundle of prod.example: duplicate key \"use\" in object keys.[");
  }

  @Test
  void bundle_parse_rejectsJwtKeyWithoutKidAndUnknownUse() {
    TrustDomainCa ca = TrustDomainCa.create(prod, CaConfig.defaults(), clock);
    String json = ca.bundle().toJson();
    String noKid = json.replaceAll("\"kid\":\"[^\"]*\",?", "");
    assertThatThrownBy(() -> TrustBundle.parse(prod, noKid)).hasMessageContaining("no kid");
    String badUse = json.replace("\"use\":\"jwt-svid\"", "\"use\":\"sig\"");
    assertThatThrownBy(() -> TrustBundle.parse(prod, badUse)).hasMessageContaining("\"sig\"");
    assertThatThrownBy(() -> TrustBundle.parse(prod, "{")).hasMessageContaining("prod.example");
  }

  @Test
  void bundle_federatedImport_verifiesThatDomainsSvids() throws Exception {
    TrustDomain partner = new TrustDomain("partner.example");
    TrustDomainCa theirs = TrustDomainCa.create(partner, CaConfig.defaults(), clock);
    TrustBundle imported = TrustBundle.parse(partner, theirs.bundle().toJson());
    X509Svid svid =
        theirs.issueX509(SpiffeId.parse("spiffe://partner.example/api"), List.of(), null);
    X509SvidValidator v =
        new X509SvidValidator(BundleSource.of(imported), RevocationList.NONE, clock);
    assertThat(v.validate(svid.chain()).toString()).isEqualTo("spiffe://partner.example/api");
    JwtSvid jwt =
        theirs.issueJwt(SpiffeId.parse("spiffe://partner.example/api"), List.of("x"), null);
    assertThat(
            new JwtSvidValidator(BundleSource.of(imported), clock).validate(jwt.token(), "x").id())
        .isEqualTo(svid.id());
    TrustBundle empty = new TrustBundle(partner, List.of(), Map.of(), 1, Duration.ofMinutes(5));
    X509SvidValidator none =
        new X509SvidValidator(BundleSource.of(empty), RevocationList.NONE, clock);
    assertThatThrownBy(() -> none.validate(svid.chain()))
        .isInstanceOfSatisfying(
            SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_BUNDLE));
  }
}
