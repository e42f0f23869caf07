package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SvidRejectedException.Reason;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The identity service over a real SQLite store: persistence, encryption at rest, revocation. */
class IdentitiesTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @TempDir Path dir;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_identity_");
  private final FakeClock clock = new FakeClock();
  private final CaKeyCipher cipher = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");
  private final TrustDomain prod = new TrustDomain("prod.example");

  private Store open() {
    return Store.open(StoreLocation.embedded(dir));
  }

  private static List<String> column(Store st, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = st.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  @Test
  void issueX509_firstUse_createsTrustDomainWithSealedKeysThatSurviveReopen() throws Exception {
    X509Svid svid;
    String rootPem;
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.trustDomains()).isEmpty();
      svid = ids.issueX509(web, List.of(), null);
      rootPem = Certificates.pem(ids.trustDomain(prod).active().certificate());
      assertThat(ids.trustDomains()).containsExactly(prod);
      assertThat(column(st, "SELECT private_key_sealed FROM identity_cas"))
          .singleElement()
          .satisfies(s -> assertThat(s).startsWith("v1:"));
      assertThat(column(st, "SELECT jwt_private_key_sealed FROM identity_cas"))
          .singleElement()
          .satisfies(s -> assertThat(s).startsWith("v1:"));
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      TrustDomainCa ca = ids.existing(prod).orElseThrow();
      assertThat(Certificates.pem(ca.active().certificate())).isEqualTo(rootPem);
      assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(web);
      X509Svid again = ids.issueX509(web, List.of(), null);
      assertThat(ids.x509Validator().validate(again.chain())).isEqualTo(web);
    }
  }

  @Test
  void reopen_withWrongKey_refusesToUseTheCa() {
    try (Store st = open()) {
      new Identities(st, cipher, clock, CaConfig.defaults()).issueX509(web, List.of(), null);
    }
    try (Store st = open()) {
      Identities ids =
          new Identities(st, CaKeyCipher.ofKey(new byte[32]), clock, CaConfig.defaults());
      assertThatThrownBy(() -> ids.issueX509(web, List.of(), null))
          .hasMessageContaining("cannot decrypt the key of CA prod.example/");
    }
  }

  @Test
  void insecureDevMode_storesPlaintextWhichAKeyedNodeRefuses() throws Exception {
    try (Store st = open()) {
      new Identities(st, CaKeyCipher.insecurePlaintext(), clock, CaConfig.defaults())
          .issueX509(web, List.of(), null);
      assertThat(column(st, "SELECT private_key_sealed FROM identity_cas"))
          .singleElement()
          .satisfies(s -> assertThat(s).startsWith("INSECURE-PLAINTEXT:"));
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThatThrownBy(() -> ids.issueX509(web, List.of(), null))
          .hasMessageContaining("stored unencrypted");
    }
  }

  @Test
  void environments_haveSeparateRoots_andStagingSvidFailsAtProduction() {
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      X509Svid staging =
          ids.issueX509(SpiffeId.parse("spiffe://staging.example/web"), List.of(), null);
      ids.issueX509(web, List.of(), null);
      assertThat(ids.trustDomain(prod).active().certificate())
          .isNotEqualTo(ids.trustDomain(new TrustDomain("staging.example")).active().certificate());
      X509SvidValidator prodOnly =
          new X509SvidValidator(
              BundleSource.of(ids.bundle(prod).orElseThrow()), ids.revocations(), clock);
      assertThatThrownBy(() -> prodOnly.validate(staging.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_BUNDLE));
    }
  }

  @Test
  void bundle_unknownTrustDomain_isEmptyAndNotCreated() {
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.bundle(new TrustDomain("nowhere.example"))).isEmpty();
      assertThat(ids.trustDomains()).isEmpty();
    }
  }

  @Test
  void revoke_serial_isRefusedByVerifiersAndStaysRevokedAfterReopen() throws Exception {
    X509Svid svid;
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      svid = ids.issueX509(web, List.of(), null);
      X509Svid other = ids.issueX509(web, List.of(), null);
      assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(web);
      ids.revoke(prod, svid.serial(), svid.expiry());
      ids.revoke(prod, svid.serial(), svid.expiry());
      assertThatThrownBy(() -> ids.x509Validator().validate(svid.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
      assertThat(ids.x509Validator().validate(other.chain())).isEqualTo(web);
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThatThrownBy(() -> ids.x509Validator().validate(svid.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
    }
  }

  @Test
  void revoke_rootCertificate_isRefusedInsteadOfReportedAsRevoked() throws Exception {
    // Regression: `vigil identity revoke bundle.pem` said "revoked spiffe://prod.example" although
    // verifiers never see a root's serial in a presented chain, so nothing was refused.
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      X509Svid svid = ids.issueX509(web, List.of(), null);
      var root = ids.trustDomain(prod).active().certificate();
      assertThatThrownBy(() -> ids.revoke(root))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("serial " + root.getSerialNumber().toString(16))
          .hasMessageContaining("is a CA certificate")
          .hasMessageContaining("vigil identity rotate");
      assertThat(column(st, "SELECT serial FROM identity_revoked")).isEmpty();
      assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(web);
    }
  }

  @Test
  void issue_inFederatedTrustDomain_isRefusedAndTheImportedBundleStays() throws Exception {
    // Regression: issuing for a federated domain created a local CA for it, whose bundle then
    // replaced the imported one: the partner's SVIDs were refused and this node minted its IDs.
    TrustDomain partner = new TrustDomain("partner.example");
    TrustDomainCa theirs = TrustDomainCa.create(partner, CaConfig.defaults(), clock);
    SpiffeId api = SpiffeId.parse("spiffe://partner.example/api");
    X509Svid real = theirs.issueX509(api, List.of(), null);
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      ids.importBundle(partner, theirs.bundle().toJson(), "test");
      assertThatThrownBy(
              () -> ids.issueX509(SpiffeId.parse("spiffe://partner.example/evil"), List.of(), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("trust domain partner.example is federated")
          .hasMessageContaining("cannot run a CA for it");
      assertThatThrownBy(() -> ids.issueJwt(api, List.of("db"), null))
          .hasMessageContaining("trust domain partner.example is federated");
      assertThatThrownBy(
              () -> ids.createEntry(api, List.of(Selector.parse("unix:uid:1000")), null, List.of()))
          .hasMessageContaining("trust domain partner.example is federated");
      assertThat(ids.trustDomains()).isEmpty();
      assertThat(ids.entries()).isEmpty();
      assertThat(ids.x509Validator().validate(real.chain())).isEqualTo(api);
    }
  }

  @Test
  void importBundle_rootsOfAnotherTrustDomain_isRefusedNamingBoth() {
    TrustDomainCa theirs =
        TrustDomainCa.create(new TrustDomain("partner.example"), CaConfig.defaults(), clock);
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      TrustDomain other = new TrustDomain("other.example");
      assertThatThrownBy(() -> ids.importBundle(other, theirs.bundle().toJson(), "test"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bundle of other.example")
          .hasMessageContaining("spiffe://partner.example");
      assertThat(ids.federatedTrustDomains()).isEmpty();
    }
  }

  @Test
  void reloadRevocations_seesSerialRevokedByAnotherProcess() throws Exception {
    try (Store st = open()) {
      Identities agent = new Identities(st, cipher, clock, CaConfig.defaults());
      Identities cli = new Identities(st, cipher, clock, CaConfig.defaults());
      X509Svid svid = agent.issueX509(web, List.of(), null);
      assertThat(agent.x509Validator().validate(svid.chain())).isEqualTo(web);
      cli.revoke(svid.leaf());
      agent.reloadRevocations();
      assertThatThrownBy(() -> agent.x509Validator().validate(svid.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
    }
  }

  @Test
  void importBundle_partnerDomain_verifiesItsSvidsAndSurvivesReopen() throws Exception {
    TrustDomain partner = new TrustDomain("partner.example");
    TrustDomainCa theirs = TrustDomainCa.create(partner, CaConfig.defaults(), clock);
    SpiffeId api = SpiffeId.parse("spiffe://partner.example/api");
    X509Svid svid = theirs.issueX509(api, List.of(), null);
    JwtSvid jwt = theirs.issueJwt(api, List.of("web"), null);
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThatThrownBy(() -> ids.x509Validator().validate(svid.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_BUNDLE));
      ids.importBundle(partner, theirs.bundle().toJson(), "test");
      assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(api);
      assertThat(ids.jwtValidator().validate(jwt.token(), "web").id()).isEqualTo(api);
      assertThat(ids.trustDomains()).isEmpty();
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.federatedTrustDomains()).containsExactly(partner);
      assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(api);
      assertThatThrownBy(() -> ids.importBundle(partner, "{\"keys\":[]}", "test"))
          .hasMessageContaining("has no keys");
    }
  }

  @Test
  void postgresql_sameLifecycle_roundTrips() throws Exception {
    StoreLocation pg = schemas.createLocation();
    X509Svid svid;
    try (Store st = Store.open(pg)) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      svid = ids.issueX509(web, List.of("web.internal"), null);
      ids.prepare(prod);
      ids.createEntry(
          web, List.of(Selector.parse("unix:uid:1000")), Duration.ofMinutes(10), List.of());
      ids.revoke(svid.leaf());
    }
    try (Store st = Store.open(pg)) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.bundle(prod).orElseThrow().x509Authorities()).hasSize(2);
      assertThat(ids.entries())
          .singleElement()
          .satisfies(e -> assertThat(e.ttl()).isEqualTo(Duration.ofMinutes(10)));
      assertThatThrownBy(() -> ids.x509Validator().validate(svid.chain()))
          .isInstanceOfSatisfying(
              SvidRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REVOKED));
      X509Svid again = ids.issueX509(web, List.of(), null);
      assertThat(ids.x509Validator().validate(again.chain())).isEqualTo(web);
    }
  }

  @Test
  void bindMetrics_countsIssuedAndFailedAndShowsRootExpiry() {
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      ids.bindMetrics(registry);
      ids.issueX509(web, List.of(), null);
      ids.issueX509(web, List.of(), null);
      ids.issueJwt(web, List.of("db"), null);
      assertThatThrownBy(() -> ids.issueJwt(web, List.of(), null))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(
              registry
                  .get("vigil.identity.credentials.issued")
                  .tags("type", "x509", "trust_domain", "prod.example")
                  .counter()
                  .count())
          .isEqualTo(2.0);
      assertThat(
              registry
                  .get("vigil.identity.credentials.issued")
                  .tags("type", "jwt")
                  .counter()
                  .count())
          .isEqualTo(1.0);
      assertThat(
              registry
                  .get("vigil.identity.credentials.failures")
                  .tags("type", "jwt")
                  .counter()
                  .count())
          .isEqualTo(1.0);
      var expiry =
          registry
              .get("vigil.identity.root.earliest.expiry")
              .tags("trust_domain", "prod.example")
              .gauge();
      assertThat(expiry.value()).isEqualTo(Duration.ofDays(30).toSeconds());
      clock.step(Duration.ofDays(1));
      assertThat(expiry.value()).isEqualTo(Duration.ofDays(29).toSeconds());
    }
  }

  @Test
  void rotation_isPersistedAcrossReopen() {
    String nextId;
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      ids.trustDomain(prod);
      nextId = ids.prepare(prod).id();
    }
    clock.step(Duration.ofMinutes(5));
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.bundle(prod).orElseThrow().x509Authorities()).hasSize(2);
      assertThat(ids.bundle(prod).orElseThrow().sequence()).isEqualTo(2);
      ids.activate(prod);
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.existing(prod).orElseThrow().active().id()).isEqualTo(nextId);
      clock.step(Duration.ofHours(1));
      assertThat(ids.retire(prod)).hasSize(1);
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.bundle(prod).orElseThrow().x509Authorities()).hasSize(1);
      assertThat(ids.bundle(prod).orElseThrow().sequence()).isEqualTo(4);
    }
  }

  @Test
  void rotateIfDue_atHalfLife_preparesAndPersists() {
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      ids.trustDomain(prod);
      assertThat(ids.rotateIfDue(prod)).isEmpty();
      clock.step(Duration.ofDays(15));
      assertThat(ids.rotateIfDue(prod)).containsExactly("prepare");
    }
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      assertThat(ids.bundle(prod).orElseThrow().x509Authorities()).hasSize(2);
    }
  }

  @Test
  void entries_createListDelete_roundTripThroughTheStore() {
    try (Store st = open()) {
      Identities ids = new Identities(st, cipher, clock, CaConfig.defaults());
      RegistrationEntry e =
          ids.createEntry(
              web,
              List.of(Selector.parse("unix:uid:1000"), Selector.parse("unix:path:/usr/bin/web")),
              Duration.ofMinutes(30),
              List.of("web.prod.internal"));
      ids.createEntry(
          SpiffeId.parse("spiffe://prod.example/db"),
          List.of(Selector.parse("label:db")),
          null,
          List.of());
      List<RegistrationEntry> all = ids.entries();
      assertThat(all).hasSize(2);
      RegistrationEntry back =
          all.stream().filter(x -> x.id().equals(e.id())).findFirst().orElseThrow();
      assertThat(back).isEqualTo(e);
      assertThat(
              back.matches(
                  Set.of(
                      Selector.parse("unix:uid:1000"),
                      Selector.parse("unix:path:/usr/bin/web"),
                      Selector.parse("unix:gid:5"))))
          .isTrue();
      assertThat(back.matches(Set.of(Selector.parse("unix:uid:1000")))).isFalse();
      assertThat(ids.deleteEntry(e.id())).isTrue();
      assertThat(ids.deleteEntry(e.id())).isFalse();
      assertThat(ids.entries())
          .extracting(RegistrationEntry::spiffeId)
          .containsExactly(SpiffeId.parse("spiffe://prod.example/db"));
    }
  }

  @Test
  void entry_invalidInput_isRefusedWithReason() {
    assertThatThrownBy(() -> Selector.parse("unix:uid:abc"))
        .hasMessageContaining("uid must be a number");
    assertThatThrownBy(() -> Selector.parse("k8s:ns:x"))
        .hasMessageContaining("type \"k8s\" is unknown");
    assertThatThrownBy(() -> Selector.parse("unix:path:bin/web")).hasMessageContaining("absolute");
    assertThatThrownBy(
            () -> new RegistrationEntry("x", web, List.of(), null, List.of(), clock.instant()))
        .hasMessageContaining("at least one selector");
    assertThatThrownBy(
            () ->
                new RegistrationEntry(
                    "x",
                    prod.id(),
                    List.of(Selector.parse("label:a")),
                    null,
                    List.of(),
                    clock.instant()))
        .hasMessageContaining("has no path");
    assertThatThrownBy(
            () ->
                new RegistrationEntry(
                    "x",
                    web,
                    List.of(Selector.parse("label:a")),
                    null,
                    List.of("Bad_Host"),
                    clock.instant()))
        .hasMessageContaining("\"Bad_Host\"");
  }
}
