package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.util.Base64URL;
import dev.vigil.access.DeviceState.Status;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Enrolment, signed reports and identification, on a real store with a clock the tests step. */
class DevicesTest {

  static final Posture GOOD = new Posture("linux", "Debian 13", 2, true, true, true);

  @TempDir Path tmp;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_devices_");
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
  final InstantSource clock = () -> now.get();
  final CaKeyCipher cipher = CaKeyCipher.ofKey(new byte[32]);
  Store store;
  Devices devices;

  @BeforeEach
  void open() {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    devices = Devices.open(store, cipher, clock, Devices.Options.defaults());
  }

  @AfterEach
  void close() {
    devices.close();
    store.close();
  }

  record Enrolled(KeyPair key, X509Certificate cert, String id) {}

  Enrolled enroll() {
    KeyPair key = DeviceCertificates.newKeyPair();
    String token = devices.createToken("laptop", Duration.ofHours(1));
    Devices.Enrolment e = devices.enroll(token, DeviceCertificates.csr(key), "alice-laptop");
    return new Enrolled(
        key, DeviceCertificates.certificates(e.certificatePem()).get(0), e.deviceId());
  }

  String report(Enrolled d, Posture p) {
    return PostureReport.of(d.id(), now.get(), p).sign(d.key().getPrivate());
  }

  void step(Duration d) {
    now.set(now.get().plus(d));
  }

  @Test
  void enroll_validToken_certificateCarriesDeviceIdAndChainsToCa() throws Exception {
    Enrolled d = enroll();

    assertThat(DeviceCertificates.deviceId(d.cert())).isEqualTo(d.id());
    d.cert().verify(devices.caCertificate().getPublicKey());
    assertThat(d.cert().getPublicKey()).isEqualTo(d.key().getPublic());
    assertThat(d.cert().getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
  }

  @Test
  void enroll_tokenUsedTwice_secondRefused() {
    String token = devices.createToken("x", Duration.ofHours(1));
    devices.enroll(token, DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "a");

    assertThatThrownBy(
            () ->
                devices.enroll(token, DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "b"))
        .isInstanceOf(DeviceException.class)
        .hasMessageContaining("already used")
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_token");
  }

  @Test
  void enroll_expiredToken_refused() {
    String token = devices.createToken("x", Duration.ofMinutes(10));
    step(Duration.ofMinutes(11));

    assertThatThrownBy(
            () ->
                devices.enroll(token, DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "a"))
        .hasMessageContaining("expired");
  }

  @Test
  void enroll_unknownToken_refused() {
    assertThatThrownBy(
            () ->
                devices.enroll(
                    "vdt_guess", DeviceCertificates.csr(DeviceCertificates.newKeyPair()), "a"))
        .hasMessageContaining("not known");
  }

  @Test
  void enroll_garbageCsr_refusedNamingCsr() {
    String token = devices.createToken("x", Duration.ofHours(1));

    assertThatThrownBy(() -> devices.enroll(token, "-----BEGIN NOTHING-----", "a"))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_csr");
  }

  /**
   * Regression: a token's label of 100,000 characters, or one with a line break that forged a
   * second line in the log ("label=x\n... token created"), was stored and logged as given.
   */
  @Test
  void createToken_labelTooLongOrOverLines_refusedNamingTheLabel() {
    assertThatThrownBy(() -> devices.createToken("x".repeat(100_000), Duration.ofHours(1)))
        .isInstanceOf(DeviceException.class)
        .hasMessage("the token's label is 100000 characters long; at most 100 are kept")
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_label");
    assertThatThrownBy(() -> devices.createToken("laptop\nforged", Duration.ofHours(1)))
        .hasMessage(
            "the token's label holds the control character U+000A at character 7;"
                + " write one line of text");
    assertThat(devices.createToken("  " + "x".repeat(100) + "  ", Duration.ofHours(1)))
        .startsWith("vdt_");
  }

  @Test
  void enroll_nameOverLines_refusedAsTooLongOnesAre() {
    String token = devices.createToken("x", Duration.ofHours(1));
    String csr = DeviceCertificates.csr(DeviceCertificates.newKeyPair());

    assertThatThrownBy(() -> devices.enroll(token, csr, "x".repeat(100_000)))
        .hasMessage("the device's name is 100000 characters long; at most 100 are kept")
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_name");
    assertThatThrownBy(() -> devices.enroll(token, csr, "laptop\u001b[2J"))
        .hasMessageStartingWith("the device's name holds the control character U+001B")
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_name");
    assertThat(devices.enroll(token, csr, "alice-laptop").deviceId()).startsWith("dev-");
  }

  @Test
  void acceptReport_postureTextOverLines_refusedNamingTheFact() {
    Enrolled d = enroll();
    Posture forged = new Posture("linux", "Debian 13\nos: windows", 2, true, true, true);

    assertThatThrownBy(() -> devices.acceptReport(report(d, forged)))
        .hasMessageStartingWith("posture.os_version holds the control character U+000A")
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_report");
  }

  @Test
  void caKey_isSealedAtRest_andOpensOnlyWithItsKey() {
    var row = new DeviceStore(store).ca().orElseThrow();
    assertThat(row.sealedKey()).startsWith("v1:");

    CaKeyCipher other =
        CaKeyCipher.ofKey(
            new byte[] {
              1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
              25, 26, 27, 28, 29, 30, 31, 32
            });
    assertThatThrownBy(() -> Devices.open(store, other, clock, Devices.Options.defaults()))
        .hasMessageContaining("cannot decrypt");
  }

  @Test
  void identify_freshReport_managedWithPostureAndAge() {
    Enrolled d = enroll();
    devices.acceptReport(report(d, GOOD));
    step(Duration.ofSeconds(90));

    DeviceState s = devices.identify(List.of(d.cert()));

    assertThat(s.status()).isEqualTo(Status.MANAGED);
    assertThat(s.deviceId()).isEqualTo(d.id());
    assertThat(s.postureAgeSeconds()).isEqualTo(90);
    assertThat(s.posture()).containsEntry("disk_encrypted", true).containsEntry("os", "linux");
  }

  @Test
  void identify_reportOlderThanMaxAge_staleAndUnknown() {
    Enrolled d = enroll();
    devices.acceptReport(report(d, GOOD));
    step(Duration.ofHours(1));
    assertThat(devices.identify(List.of(d.cert())).managed()).isTrue();

    step(Duration.ofSeconds(1));
    DeviceState s = devices.identify(List.of(d.cert()));

    assertThat(s.status()).isEqualTo(Status.STALE_REPORT);
    assertThat(s.deviceId()).isNull();
    assertThat(s.posture()).isEmpty();
  }

  @Test
  void identify_enrolledWithoutReport_noReport() {
    Enrolled d = enroll();

    assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.NO_REPORT);
  }

  @Test
  void identify_noCertificate_unknown() {
    assertThat(devices.identify(List.of()).status()).isEqualTo(Status.NO_CERTIFICATE);
    assertThat(devices.identify(null).status()).isEqualTo(Status.NO_CERTIFICATE);
  }

  @Test
  void identify_certificateFromAnotherCaWithTheSameName_untrusted() {
    Enrolled d = enroll();
    devices.acceptReport(report(d, GOOD));
    Store otherStore = Store.open(StoreLocation.embedded(tmp.resolve("other")));
    try (Devices other = Devices.open(otherStore, cipher, clock, Devices.Options.defaults())) {
      // The same key and the same issuer name, signed by another CA: only the signature differs.
      String token = other.createToken("x", Duration.ofHours(1));
      var e = other.enroll(token, DeviceCertificates.csr(d.key()), "forged");
      X509Certificate forged = DeviceCertificates.certificates(e.certificatePem()).get(0);
      assertThat(forged.getIssuerX500Principal()).isEqualTo(d.cert().getIssuerX500Principal());

      assertThat(devices.identify(List.of(forged)).status())
          .isEqualTo(Status.UNTRUSTED_CERTIFICATE);
    } finally {
      otherStore.close();
    }
  }

  @Test
  void identify_expiredCertificate_untrusted() {
    Enrolled d = enroll();
    step(Duration.ofDays(91));

    assertThat(devices.identify(List.of(d.cert())).status())
        .isEqualTo(Status.UNTRUSTED_CERTIFICATE);
  }

  @Test
  void identify_revokedDevice_revoked() {
    Enrolled d = enroll();
    devices.acceptReport(report(d, GOOD));

    assertThat(devices.revoke(d.id())).isTrue();

    assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.REVOKED);
    assertThatThrownBy(() -> devices.acceptReport(report(d, GOOD))).hasMessageContaining("revoked");
  }

  @Test
  void acceptReport_signedByAnotherKey_badSignature() {
    Enrolled d = enroll();
    KeyPair stranger = DeviceCertificates.newKeyPair();
    String forged = PostureReport.of(d.id(), now.get(), GOOD).sign(stranger.getPrivate());

    assertThatThrownBy(() -> devices.acceptReport(forged))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_signature");
    assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.NO_REPORT);
  }

  @Test
  void acceptReport_payloadAlteredAfterSigning_badSignature() {
    Enrolled d = enroll();
    String[] parts = report(d, new Posture("linux", "x", 2, false, true, true)).split("\\.");
    String payload =
        new String(java.util.Base64.getUrlDecoder().decode(parts[1]))
            .replace("\"disk_encrypted\":false", "\"disk_encrypted\":true");
    String tampered =
        parts[0]
            + "."
            + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes())
            + "."
            + parts[2];

    assertThatThrownBy(() -> devices.acceptReport(tampered))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_signature");
  }

  /** Signs {@code header} and {@code payload} as they are, with the device's own key. */
  static String signRaw(Enrolled d, String header, String payload) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Base64URL sig =
        new ECDSASigner((ECPrivateKey) d.key().getPrivate())
            .sign(
                JWSHeader.parse("{\"alg\":\"ES256\",\"typ\":\"vigil-posture+jwt\"}"),
                input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + sig;
  }

  String header(Enrolled d, String extra) {
    return "{\"alg\":\"ES256\",\"typ\":\"vigil-posture+jwt\",\"kid\":\""
        + d.id()
        + "\""
        + extra
        + "}";
  }

  String payload(Enrolled d, String posture) {
    return "{\"sub\":\""
        + d.id()
        + "\",\"iat\":"
        + now.get().getEpochSecond()
        + ",\"jti\":\"n-"
        + System.nanoTime()
        + "\",\"posture\":"
        + posture
        + "}";
  }

  @Test
  void acceptReport_signedReportRepeatingAFact_refusedNamingTheFact() throws Exception {
    Enrolled d = enroll();
    // The regression: disk_encrypted false, then true; the last one used to win.
    String jws =
        signRaw(
            d,
            header(d, ""),
            payload(d, "{\"os\":\"linux\",\"disk_encrypted\":false,\"disk_encrypted\":true}"));

    assertThatThrownBy(() -> devices.acceptReport(jws))
        .isInstanceOfSatisfying(
            DeviceException.class, e -> assertThat(e.code()).isEqualTo("bad_report"))
        .hasMessageContaining(
            "posture report payload: duplicate key \"disk_encrypted\" in object posture");
    assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.NO_REPORT);
  }

  @Test
  void acceptReport_headerRepeatingKid_refusedNamingTheKey() throws Exception {
    Enrolled d = enroll();
    String jws = signRaw(d, header(d, ",\"kid\":\"other\""), payload(d, "{}"));

    assertThatThrownBy(() -> devices.acceptReport(jws))
        .isInstanceOfSatisfying(
            DeviceException.class, e -> assertThat(e.code()).isEqualTo("bad_report"))
        .hasMessageContaining("posture report header: duplicate key \"kid\"");
  }

  @Test
  void acceptReport_unknownCriticalHeader_refusedAsUnsupportedNotAsBadSignature() throws Exception {
    Enrolled d = enroll();
    String jws = signRaw(d, header(d, ",\"crit\":[\"vigil-x\"],\"vigil-x\":1"), payload(d, "{}"));

    assertThatThrownBy(() -> devices.acceptReport(jws))
        .isInstanceOfSatisfying(
            DeviceException.class,
            e -> assertThat(e.code()).isEqualTo("unsupported_critical_header"))
        .hasMessageContaining("crit");
  }

  @Test
  void acceptReport_sameReportTwice_replayRefused() {
    Enrolled d = enroll();
    String r = report(d, GOOD);
    devices.acceptReport(r);

    assertThatThrownBy(() -> devices.acceptReport(r))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("replay");
  }

  @Test
  void acceptReport_olderThanLatest_replayRefused() {
    Enrolled d = enroll();
    String older = report(d, GOOD);
    step(Duration.ofSeconds(30));
    devices.acceptReport(report(d, GOOD));

    assertThatThrownBy(() -> devices.acceptReport(older)).hasMessageContaining("older than");
  }

  @Test
  void acceptReport_signedLongAgo_badTime() {
    Enrolled d = enroll();
    String r = report(d, GOOD);
    step(Duration.ofMinutes(6));

    assertThatThrownBy(() -> devices.acceptReport(r))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_time");
  }

  String reportAhead(Enrolled d, Duration ahead) {
    return PostureReport.of(d.id(), now.get().plus(ahead), GOOD).sign(d.key().getPrivate());
  }

  /**
   * A device whose clock ran four minutes ahead had its report dated then, and once its clock was
   * set right every report it sent for those four minutes was refused as older than the latest.
   */
  @Test
  void acceptReport_afterOneSignedAheadOfTheClock_takesTheDevicesNextReports() {
    Enrolled d = enroll();
    Instant received = now.get();

    PostureReport ahead = devices.acceptReport(reportAhead(d, Duration.ofMinutes(4)));
    step(Duration.ofMinutes(1));
    PostureReport next = devices.acceptReport(report(d, GOOD));

    assertThat(ahead.issuedAt()).isEqualTo(received);
    assertThat(next.issuedAt()).isEqualTo(now.get());
  }

  /** A report dated ahead kept the posture fresh for longer than the maximum age. */
  @Test
  void identify_reportSignedAheadOfTheClock_staleOnceMaxAgeAfterItCame() {
    Enrolled d = enroll();
    devices.acceptReport(reportAhead(d, Duration.ofMinutes(4)));

    step(Duration.ofHours(1).plusMinutes(1));

    assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.STALE_REPORT);
    try (Devices node2 = Devices.open(store, cipher, clock, Devices.Options.defaults())) {
      assertThat(node2.identify(List.of(d.cert())).status()).isEqualTo(Status.STALE_REPORT);
    }
  }

  @Test
  void acceptReport_notAJws_badReport() {
    assertThatThrownBy(() -> devices.acceptReport("hello"))
        .extracting(e -> ((DeviceException) e).code())
        .isEqualTo("bad_report");
  }

  @Test
  void refresh_reportAcceptedByAnotherInstance_seenAfterRefresh() {
    Enrolled d = enroll();
    try (Devices node2 = Devices.open(store, cipher, clock, Devices.Options.defaults())) {
      node2.acceptReport(report(d, GOOD));
      assertThat(devices.identify(List.of(d.cert())).status()).isEqualTo(Status.NO_REPORT);

      devices.refresh();

      assertThat(devices.identify(List.of(d.cert())).managed()).isTrue();
    }
  }

  @Test
  void list_showsDevicesWithReportAge() {
    Enrolled d = enroll();
    devices.acceptReport(report(d, GOOD));
    step(Duration.ofSeconds(42));

    assertThat(devices.list())
        .singleElement()
        .satisfies(
            s -> {
              assertThat(s.id()).isEqualTo(d.id());
              assertThat(s.name()).isEqualTo("alice-laptop");
              assertThat(s.reportAgeSeconds()).isEqualTo(42L);
            });
  }

  @Test
  void postgresql_enrolReportReplayAndRefresh_sameAsSqlite() throws Exception {
    StoreLocation pg = schemas.createLocation();
    try (Store st = Store.open(pg);
        Devices a = Devices.open(st, cipher, clock, Devices.Options.defaults());
        Devices b = Devices.open(st, cipher, clock, Devices.Options.defaults())) {
      assertThat(b.caCertificate()).isEqualTo(a.caCertificate());
      KeyPair key = DeviceCertificates.newKeyPair();
      var e = a.enroll(a.createToken("pg", Duration.ofHours(1)), DeviceCertificates.csr(key), "pg");
      X509Certificate cert = DeviceCertificates.certificates(e.certificatePem()).get(0);
      String r = PostureReport.of(e.deviceId(), now.get(), GOOD).sign(key.getPrivate());

      b.refresh();
      b.acceptReport(r);

      assertThatThrownBy(() -> a.acceptReport(r))
          .extracting(x -> ((DeviceException) x).code())
          .isEqualTo("replay");
      assertThat(b.identify(List.of(cert)).managed()).isTrue();
      a.refresh();
      assertThat(a.identify(List.of(cert)).posture()).containsEntry("patch_age_days", 2);
    }
  }
}
