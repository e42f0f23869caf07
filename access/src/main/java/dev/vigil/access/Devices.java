package dev.vigil.access;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.vigil.access.DeviceState.Status;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.store.Store;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Device enrolment and posture: the device CA, one-time enrolment tokens, signed posture reports,
 * and the answer to "which device is this, and is it managed?" for the gateway.
 *
 * <p>How it works: an administrator makes a one-time token; the device sends the token with a CSR
 * for a key it generated itself and receives a client certificate whose URI SAN carries its device
 * id. From then on the device signs posture reports with that key; a report is accepted only when
 * its signature verifies with the enrolled certificate, it was signed within the clock skew of now,
 * its nonce is new and it is not older than the device's latest report. The gateway asks {@link
 * #identify} with the certificate of a TLS connection; that call reads memory only (the decide path
 * never waits on the database): devices and their latest reports are loaded at start, updated by
 * every report this instance accepts, and re-read from the store by {@link #refresh}, which {@link
 * #refreshEvery} runs periodically so reports accepted by another node arrive too.
 *
 * <p>Thread-safe. Time comes from the injected clock; a report older than {@code maxReportAge}
 * makes the device unknown.
 */
public final class Devices implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Devices.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int VERIFIED_CACHE_LIMIT = 10_000;

  /**
   * @param certificateLifetime how long a device certificate is valid
   * @param maxReportAge a device whose latest report is older is unknown
   * @param maxClockSkew how far a report's signing time may be from the server's clock
   */
  public record Options(
      Duration certificateLifetime, Duration maxReportAge, Duration maxClockSkew) {

    public static Options defaults() {
      return new Options(Duration.ofDays(90), Duration.ofHours(1), Duration.ofMinutes(5));
    }

    public Options withMaxReportAge(Duration age) {
      if (age.isNegative() || age.isZero()) {
        throw new IllegalArgumentException("maximum report age must be positive, got " + age);
      }
      return new Options(certificateLifetime, age, maxClockSkew);
    }
  }

  /** The answer to an enrolment: the device's id, its certificate and the CA's, in PEM. */
  public record Enrolment(String deviceId, String certificatePem, String caCertificatePem) {}

  /** One enrolled device as {@code vigil device list} shows it. */
  public record Summary(
      String id,
      String name,
      Instant enrolledAt,
      Instant notAfter,
      boolean revoked,
      Long reportAgeSeconds) {}

  private record Known(
      String serial, Instant notAfter, boolean revoked, Posture latest, Instant latestAt) {}

  private final DeviceStore store;
  private final DeviceCa ca;
  private final InstantSource clock;
  private final Options options;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<X509Certificate, String> verified = new ConcurrentHashMap<>();
  private ScheduledExecutorService refresher;

  private Devices(DeviceStore store, DeviceCa ca, InstantSource clock, Options options) {
    this.store = store;
    this.ca = ca;
    this.clock = clock;
    this.options = options;
  }

  /**
   * Opens device management over {@code store}, creating the device CA on first use.
   *
   * @throws IllegalStateException when the CA key does not open with {@code cipher}
   */
  public static Devices open(Store store, CaKeyCipher cipher, InstantSource clock, Options o) {
    DeviceStore ds = new DeviceStore(store);
    Devices d = new Devices(ds, DeviceCa.loadOrCreate(ds, cipher, clock.instant()), clock, o);
    d.refresh();
    return d;
  }

  public Options options() {
    return options;
  }

  /** Returns the device CA certificate in PEM. */
  public String caCertificatePem() {
    return DeviceCertificates.pem(ca.certificate());
  }

  /** Returns the device CA certificate, for TLS servers that request client certificates. */
  public X509Certificate caCertificate() {
    return ca.certificate();
  }

  /**
   * Makes a one-time enrolment token valid for {@code ttl}; only its hash is stored.
   *
   * @param label who or what the token is for, kept with it; null or blank for none
   * @throws DeviceException {@code bad_label} when the label is longer than 100 characters or not
   *     one line of text
   */
  public String createToken(String label, Duration ttl) {
    String text = label == null ? "" : label.strip();
    String problem = DeviceText.problem(text, DeviceText.MAX_NAME);
    if (problem != null) {
      throw new DeviceException("bad_label", "the token's label " + problem);
    }
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = "vdt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    store.insertToken(hash(token), text, clock.millis() + ttl.toMillis());
    log.info("device enrolment token created: label={} expires_in={}", text, ttl);
    return token;
  }

  /**
   * Enrols a device that presents a one-time token and a CSR for its own key.
   *
   * @throws DeviceException {@code bad_token} or {@code bad_csr}
   */
  public Enrolment enroll(String token, String csrPem, String name) {
    if (token == null || token.isBlank()) {
      throw new DeviceException("bad_token", "an enrolment token is required");
    }
    return issue(hash(token.strip()), csrPem, name);
  }

  /** Enrols a device for an operator who holds the store itself: no token is asked. */
  public Enrolment enrollWithoutToken(String csrPem, String name) {
    return issue(null, csrPem, name);
  }

  private Enrolment issue(String tokenHash, String csrPem, String name) {
    PublicKey key = DeviceCertificates.csrKey(csrPem);
    String label = name == null || name.isBlank() ? "device" : name.strip();
    String problem = DeviceText.problem(label, DeviceText.MAX_NAME);
    if (problem != null) {
      throw new DeviceException("bad_name", "the device's name " + problem);
    }
    byte[] idBytes = new byte[10];
    RANDOM.nextBytes(idBytes);
    String id = "dev-" + HexFormat.of().formatHex(idBytes);
    Instant now = clock.instant();
    X509Certificate cert = ca.issue(id, key, now, options.certificateLifetime());
    String pem = DeviceCertificates.pem(cert);
    store.enroll(
        tokenHash,
        new DeviceStore.DeviceRow(
            id,
            label,
            pem,
            cert.getSerialNumber().toString(16),
            now.toEpochMilli(),
            cert.getNotAfter().getTime(),
            null),
        now.toEpochMilli());
    known.put(
        id,
        new Known(
            cert.getSerialNumber().toString(16),
            cert.getNotAfter().toInstant(),
            false,
            null,
            null));
    log.info(
        "device enrolled: device_id={} name={} serial={}",
        id,
        label,
        cert.getSerialNumber().toString(16));
    return new Enrolment(id, pem, caCertificatePem());
  }

  /**
   * Verifies and stores a signed posture report.
   *
   * @return the accepted report, its time the server's when the device signed it ahead
   * @throws DeviceException naming why it was refused: {@code bad_report}, {@code unknown_device},
   *     {@code revoked}, {@code bad_signature}, {@code bad_time}, {@code replay}
   */
  public PostureReport acceptReport(String jws) {
    String id = PostureReport.claimedDevice(jws);
    var row =
        store
            .device(id)
            .orElseThrow(
                () -> new DeviceException("unknown_device", "device " + id + " is not enrolled"));
    if (row.revokedAtMs() != null) {
      throw new DeviceException("revoked", "device " + id + " was revoked");
    }
    X509Certificate cert = DeviceCertificates.certificates(row.certificatePem()).get(0);
    Instant now = clock.instant();
    String problem = ca.problem(cert, now);
    if (problem != null) {
      throw new DeviceException("bad_certificate", "certificate of device " + id + ": " + problem);
    }
    PostureReport r;
    try {
      r = PostureReport.verify(jws, cert.getPublicKey());
    } catch (DeviceException e) {
      // Name the device a refused report claims to come from, for whoever reads the log.
      throw new DeviceException(e.code(), e.getMessage() + " (device " + id + ")");
    }
    Duration skew = options.maxClockSkew();
    if (r.issuedAt().isAfter(now.plus(skew)) || r.issuedAt().isBefore(now.minus(skew))) {
      throw new DeviceException(
          "bad_time",
          "report was signed at "
              + r.issuedAt()
              + ", more than "
              + skew.toSeconds()
              + "s from the server's clock ("
              + now
              + ")");
    }
    // Signed ahead of this clock (within the skew): it counts as signed now. Its own time would
    // keep the posture fresh for longer than the maximum age, and would refuse the device's next
    // reports as older than this one once the device's clock is set right.
    Instant second = now.truncatedTo(ChronoUnit.SECONDS);
    PostureReport counted =
        r.issuedAt().isAfter(second)
            ? new PostureReport(r.deviceId(), second, r.nonce(), r.posture())
            : r;
    store.insertReport(
        counted, JSONObjectUtils.toJSONString(r.posture().toMap()), jws, now.toEpochMilli());
    known.compute(
        id,
        (k, old) -> {
          Known base =
              old != null
                  ? old
                  : new Known(row.serial(), cert.getNotAfter().toInstant(), false, null, null);
          if (base.latestAt() != null && base.latestAt().isAfter(counted.issuedAt())) {
            return base;
          }
          return new Known(
              base.serial(),
              base.notAfter(),
              base.revoked(),
              counted.posture(),
              counted.issuedAt());
        });
    log.debug("posture report accepted: device_id={} nonce={}", id, r.nonce());
    return counted;
  }

  /**
   * Says which device presented {@code chain} (the peer certificates of a TLS connection, leaf
   * first; null or empty when none) and whether it is managed now. Reads memory only.
   */
  public DeviceState identify(List<? extends Certificate> chain) {
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return DeviceState.unknown(Status.NO_CERTIFICATE);
    }
    Instant now = clock.instant();
    String id = verifiedId(leaf, now);
    if (id == null) {
      return DeviceState.unknown(Status.UNTRUSTED_CERTIFICATE);
    }
    Known k = known.get(id);
    if (k == null || !k.serial().equals(leaf.getSerialNumber().toString(16))) {
      return DeviceState.unknown(Status.NOT_ENROLLED);
    }
    if (k.revoked()) {
      return DeviceState.unknown(Status.REVOKED);
    }
    if (k.latest() == null) {
      return DeviceState.unknown(Status.NO_REPORT);
    }
    long age = Math.max(0, Duration.between(k.latestAt(), now).toSeconds());
    if (age > options.maxReportAge().toSeconds()) {
      return DeviceState.unknown(Status.STALE_REPORT);
    }
    return new DeviceState(Status.MANAGED, id, k.latest().toMap(), age);
  }

  /** Returns the device id of a genuine device certificate valid now, or null. */
  private String verifiedId(X509Certificate leaf, Instant now) {
    // The signature is checked once per certificate; the validity period at every request.
    String id = verified.get(leaf);
    if (id == null) {
      if (ca.problem(leaf, now) != null) {
        return null;
      }
      if (verified.size() >= VERIFIED_CACHE_LIMIT) {
        verified.clear();
      }
      id = DeviceCertificates.deviceId(leaf);
      verified.put(leaf, id);
    }
    boolean inPeriod =
        !now.isBefore(leaf.getNotBefore().toInstant())
            && !now.isAfter(leaf.getNotAfter().toInstant());
    return inPeriod ? id : null;
  }

  /** Revokes a device: its certificate no longer identifies it. Returns false when unknown. */
  public boolean revoke(String id) {
    boolean found = store.revoke(id, clock.millis());
    if (found) {
      refresh();
      log.info("device revoked: device_id={}", id);
    }
    return found;
  }

  /**
   * Returns the device CA's certificate as stored, without opening its key, or empty before the
   * first node created it; for reports that read and never sign.
   */
  public static Optional<X509Certificate> storedCaCertificate(Store store) {
    return new DeviceStore(store)
        .ca()
        .map(row -> DeviceCertificates.certificates(row.certificatePem()).getFirst());
  }

  /**
   * Returns every enrolled device as stored, without the device CA's key: {@code reportAgeSeconds}
   * is null in these summaries.
   */
  public static List<Summary> storedDevices(Store store) {
    return new DeviceStore(store)
        .devices().stream()
            .map(
                d ->
                    new Summary(
                        d.id(),
                        d.name(),
                        Instant.ofEpochMilli(d.enrolledAtMs()),
                        Instant.ofEpochMilli(d.notAfterMs()),
                        d.revokedAtMs() != null,
                        null))
            .toList();
  }

  /** Returns every enrolled device with the age of its latest report. */
  public List<Summary> list() {
    Map<String, DeviceStore.ReportRow> latest = store.latestReports();
    Instant now = clock.instant();
    return store.devices().stream()
        .map(
            d -> {
              var r = latest.get(d.id());
              Long age =
                  r == null ? null : Math.max(0, (now.toEpochMilli() - r.issuedAtMs()) / 1000);
              return new Summary(
                  d.id(),
                  d.name(),
                  Instant.ofEpochMilli(d.enrolledAtMs()),
                  Instant.ofEpochMilli(d.notAfterMs()),
                  d.revokedAtMs() != null,
                  age);
            })
        .toList();
  }

  /** Re-reads devices and their latest reports from the store. */
  public void refresh() {
    Map<String, DeviceStore.ReportRow> latest = store.latestReports();
    Map<String, Known> fresh = new HashMap<>();
    for (var d : store.devices()) {
      var r = latest.get(d.id());
      fresh.put(
          d.id(),
          new Known(
              d.serial(),
              Instant.ofEpochMilli(d.notAfterMs()),
              d.revokedAtMs() != null,
              r == null ? null : posture(r),
              r == null ? null : Instant.ofEpochMilli(r.issuedAtMs())));
    }
    known.keySet().retainAll(fresh.keySet());
    // A report this instance accepted while the store was being read must not be undone.
    fresh.forEach((id, f) -> known.merge(id, f, Devices::keepNewerReport));
  }

  private static Known keepNewerReport(Known held, Known read) {
    boolean heldNewer =
        held.latestAt() != null
            && (read.latestAt() == null || held.latestAt().isAfter(read.latestAt()));
    return heldNewer
        ? new Known(read.serial(), read.notAfter(), read.revoked(), held.latest(), held.latestAt())
        : read;
  }

  /** Runs {@link #refresh} every {@code period} on a background thread until closed. */
  public synchronized void refreshEvery(Duration period) {
    if (refresher != null) {
      return;
    }
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-devices-refresh");
              t.setDaemon(true);
              return t;
            });
    refresher.scheduleWithFixedDelay(
        () -> {
          try {
            refresh();
          } catch (RuntimeException e) {
            log.warn("device state refresh failed: {}", e.getMessage());
          }
        },
        period.toMillis(),
        period.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (refresher != null) {
      refresher.shutdownNow();
      refresher = null;
    }
  }

  private static Posture posture(DeviceStore.ReportRow r) {
    try {
      return Posture.fromMap(JSONObjectUtils.parse(r.postureJson()));
    } catch (ParseException | DeviceException e) {
      // A row this build cannot read counts as no report: fail closed.
      log.warn("stored posture of device {} does not parse: {}", r.deviceId(), e.getMessage());
      return null;
    }
  }

  private static String hash(String token) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
