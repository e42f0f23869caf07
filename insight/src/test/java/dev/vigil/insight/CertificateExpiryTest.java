package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.vigil.access.DeviceCertificates;
import dev.vigil.access.Devices;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustDomain;
import dev.vigil.insight.CertificateExpiry.Item;
import dev.vigil.insight.CertificateExpiry.State;
import dev.vigil.insight.CertificateExpiry.TlsFile;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates made by the identity and access modules and by the gateway's TLS code, at times a
 * test clock sets, then checked at later times.
 */
class CertificateExpiryTest {

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_insight_certs_");

  @TempDir Path tmp;

  static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");
  static final TrustDomain PROD = new TrustDomain("prod.example");
  static final TrustDomain STAGING = new TrustDomain("staging.example");
  static final TrustDomain PARTNER = new TrustDomain("partner.example");

  /** A clock the test moves. */
  static final class Clock implements InstantSource {
    Instant now = T0;

    @Override
    public Instant instant() {
      return now;
    }

    Clock at(Duration sinceT0) {
      now = T0.plus(sinceT0);
      return this;
    }
  }

  @Test
  void check_onSqlite_flagsExpiringRootsDevicesAndFilesSoonestFirst() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("node")))) {
      assertEstate(store);
    }
  }

  @Test
  void check_onPostgres_flagsTheSameAsOnSqlite() throws Exception {
    try (Store store = Store.open(schemas.createLocation())) {
      assertEstate(store);
    }
  }

  @Test
  void check_emptyStore_nothingToFlag() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("empty")))) {
      CertificateExpiry r = CertificateExpiry.check(store, List.of(), Duration.ofDays(30), T0);

      assertThat(r.items()).isEmpty();
      assertThat(r.rotation()).isEmpty();
      assertThat(r.status()).isEqualTo(CertificateExpiry.FINE);
    }
  }

  /**
   * Builds the estate (two trust domains with 10-day roots, one rotated, a federated partner, the
   * device CA and two 9-day device certificates, one revoked, and TLS files) and checks it.
   */
  private void assertEstate(Store store) throws Exception {
    Estate e = Estate.build(store, tmp);

    CertificateExpiry early =
        CertificateExpiry.check(
            store, e.goodFiles(), Duration.ofDays(1), T0.plus(Duration.ofDays(6).plusHours(1)));
    // Past half its life, prod's root has no successor: a running node would have prepared one.
    assertThat(early.rotation())
        .extracting(CertificateExpiry.RotationProblem::trustDomain)
        .containsExactly("prod.example");
    assertThat(early.items()).extracting(Item::state).containsOnly(State.OK);
    assertThat(early.status()).isEqualTo(CertificateExpiry.ATTENTION);
    // Regression: with a warning longer than the roots live (the demo's 30-day roots and the
    // default 30d), a fresh root was "expiring" and rotation "behind" from its first day, so the
    // command exited 3 on every healthy node. Before half its life no next root is due.
    CertificateExpiry fresh =
        CertificateExpiry.check(store, e.goodFiles(), Duration.ofDays(30), T0.plusSeconds(60));
    assertThat(fresh.rotation()).isEmpty();
    assertThat(fresh.items())
        .filteredOn(i -> i.kind().equals("trust_domain_root") && i.role().equals("active"))
        .extracting(Item::state, Item::counts)
        .containsOnly(tuple(State.EXPIRING, false));
    // Regression: the mark's legend said only "retired or revoked", also of these active roots.
    assertThat(fresh.text())
        .contains("* not counted: retired or revoked; a root the node rotates on schedule");

    Instant now = T0.plus(Duration.ofDays(8));
    CertificateExpiry r = CertificateExpiry.check(store, e.allFiles(), Duration.ofDays(30), now);

    assertThat(r.items())
        .extracting(Item::kind, Item::role, Item::state, Item::counts, i -> i.daysLeft(now))
        .containsExactly(
            tuple("tls", "leaf", State.UNREADABLE, true, 0L),
            tuple("device", "enrolled", State.EXPIRING, true, 1L),
            tuple("device", "revoked", State.EXPIRING, false, 1L),
            tuple("trust_domain_root", "active", State.EXPIRING, true, 2L),
            // staging rotates on schedule: its roots near their end are shown, not counted.
            tuple("trust_domain_root", "active", State.EXPIRING, false, 2L),
            tuple("trust_domain_root", "prepared", State.EXPIRING, false, 8L),
            tuple("federated_root", "imported " + T0.plus(Duration.ofDays(6)), State.OK, true, 32L),
            tuple("tls", "leaf", State.OK, true, 357L),
            tuple("tls", "leaf", State.NOT_YET_VALID, true, 387L),
            tuple("device_ca", "active", State.OK, true, 3642L));
    assertThat(r.items().get(0).problem())
        .isEqualTo("vigil.yaml:9: gateway.tls_cert: " + e.missing + ": no such file");
    assertThat(r.items().subList(3, 6))
        .extracting(Item::name)
        .containsExactly(
            "prod.example/" + e.prodRoot,
            "staging.example/" + e.stagingOld,
            "staging.example/" + e.stagingNext);
    assertThat(r.items().get(6).name()).isEqualTo("partner.example[0]");
    assertThat(r.items().get(6).source()).isEqualTo("partner.json");
    assertThat(r.rotation())
        .extracting(CertificateExpiry.RotationProblem::trustDomain, p -> p.code())
        .containsExactly(tuple("prod.example", "active_root_expires_first"));
    assertThat(r.status()).isEqualTo(CertificateExpiry.ATTENTION);
    assertThat(r.text())
        .contains("certificates at 2026-11-09T00:00:00Z, warning within 30d: 10, 4 need attention")
        .contains("expiring*")
        .contains("* not counted: retired or revoked; a root the node rotates on schedule")
        .contains("prod.example: 1 revoked serials")
        .contains("devices: 2 enrolled, 1 revoked")
        .contains("SVIDs issued: not recorded in the store");
    assertThat(r.json())
        .contains("\"code\": \"active_root_expires_first\"")
        .contains("\"status\": 3");
  }

  /** The estate of one store, made by the real identity, access and gateway code. */
  record Estate(
      String prodRoot,
      String stagingOld,
      String stagingNext,
      TlsFile selfSigned,
      TlsFile future,
      TlsFile missingFile,
      Path missing) {

    List<TlsFile> goodFiles() {
      return List.of(selfSigned);
    }

    List<TlsFile> allFiles() {
      return List.of(selfSigned, future, missingFile);
    }

    static Estate build(Store store, Path tmp) throws Exception {
      Clock clock = new Clock();
      CaKeyCipher cipher = CaKeyCipher.ofKey(new byte[32]);
      CaConfig tenDays =
          CaConfig.defaults()
              .withLifetimes(Duration.ofDays(10), Duration.ofHours(1), Duration.ofMinutes(5));
      Identities ids = new Identities(store, cipher, clock, tenDays);
      String prodRoot = ids.trustDomain(PROD).active().id();
      String stagingOld = ids.trustDomain(STAGING).active().id();
      ids.revoke(ids.issueX509(SpiffeId.of(PROD, "web"), List.of(), Duration.ofHours(1)).leaf());

      clock.at(Duration.ofDays(6));
      String stagingNext = ids.prepare(STAGING).id();
      try (Store other = Store.open(StoreLocation.embedded(tmp.resolve("partner")))) {
        Identities partner =
            new Identities(
                other,
                cipher,
                new Clock(),
                CaConfig.defaults()
                    .withLifetimes(
                        Duration.ofDays(40), Duration.ofHours(1), Duration.ofMinutes(5)));
        partner.trustDomain(PARTNER);
        ids.importBundle(PARTNER, partner.bundle(PARTNER).orElseThrow().toJson(), "partner.json");
      }

      clock.at(Duration.ZERO);
      Devices devices =
          Devices.open(
              store,
              cipher,
              clock,
              new Devices.Options(Duration.ofDays(9), Duration.ofHours(1), Duration.ofMinutes(5)));
      try (devices) {
        devices.enrollWithoutToken(DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "a");
        String lost =
            devices
                .enrollWithoutToken(DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "b")
                .deviceId();
        devices.revoke(lost);
      }

      Path now = Files.createDirectories(tmp.resolve("tls-now"));
      ServerCertificate.selfSigned(now, T0);
      Path later = Files.createDirectories(tmp.resolve("tls-later"));
      ServerCertificate.selfSigned(later, T0.plus(Duration.ofDays(30)));
      Path missing = tmp.resolve("no-such.crt");
      return new Estate(
          prodRoot,
          stagingOld,
          stagingNext,
          new TlsFile(
              "gateway.tls_cert", "gateway.tls_cert", now.resolve(ServerCertificate.CERT_FILE)),
          new TlsFile(
              "gateway.tls_cert",
              "vigil.yaml:9: gateway.tls_cert",
              later.resolve(ServerCertificate.CERT_FILE)),
          new TlsFile("gateway.tls_cert", "vigil.yaml:9: gateway.tls_cert", missing),
          missing);
    }
  }
}
