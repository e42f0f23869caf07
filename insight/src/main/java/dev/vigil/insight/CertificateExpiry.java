package dev.vigil.insight;

import dev.vigil.access.Devices;
import dev.vigil.gateway.config.TlsSettings;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.identity.CaAuthority;
import dev.vigil.identity.StoredIdentity;
import dev.vigil.identity.StoredIdentity.Root;
import dev.vigil.identity.StoredIdentity.TrustDomainRoots;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.Store;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every certificate Vigil depends on, with the time left before it expires: the roots of each trust
 * domain whose CA runs on the store, the roots of imported (federated) bundles, the device CA and
 * the enrolled devices' certificates, and the TLS certificate files the configuration names. Also
 * the trust domains whose rotation is behind: no active root, or an active root that expires before
 * the next one may sign.
 *
 * <p>Reads the store without the CA key: no private key is opened. A certificate counts toward
 * {@link #status} when Vigil still relies on it: a retired root or a revoked device does not.
 * Immutable.
 */
public final class CertificateExpiry {

  /** {@link #status} when nothing is expired, not yet valid or within the warning. */
  public static final int FINE = 0;

  /** {@link #status} when something is, or a trust domain's rotation is behind. */
  public static final int ATTENTION = 3;

  /** Where one certificate stands at the time of the report. */
  public enum State {
    OK,
    EXPIRING,
    EXPIRED,
    NOT_YET_VALID,
    UNREADABLE;

    String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * One certificate.
   *
   * @param kind {@code trust_domain_root}, {@code federated_root}, {@code device_ca}, {@code
   *     device} or {@code tls}
   * @param name what it belongs to: the trust domain and root id, the device id, the key and its
   *     place in the chain ({@code gateway.tls_cert[0]})
   * @param role where it stands: a root's rotation state, {@code revoked} for a device, {@code
   *     leaf} or {@code chain} for a TLS file
   * @param source where it was read: {@code store}, the bundle's source, the file
   * @param notBefore null when unreadable
   * @param notAfter null when unreadable
   * @param counts whether Vigil still relies on it, so that its state sets the status
   * @param problem why it could not be read, or null
   */
  public record Item(
      String kind,
      String name,
      String role,
      String source,
      Instant notBefore,
      Instant notAfter,
      State state,
      boolean counts,
      String problem) {

    /** Whole days from {@code now} to the expiry, negative once expired; 0 when unreadable. */
    public long daysLeft(Instant now) {
      return notAfter == null
          ? 0
          : Math.floorDiv(Duration.between(now, notAfter).toSeconds(), 86400);
    }
  }

  /**
   * A trust domain whose rotation is behind.
   *
   * @param code {@code no_active_root} or {@code active_root_expires_first}
   */
  public record RotationProblem(String trustDomain, String code, String message) {}

  /**
   * A TLS certificate file the configuration names.
   *
   * @param key the configuration key, as {@code gateway.tls_cert}
   * @param place where the key is written ({@code vigil.yaml:12: gateway.tls_cert}), or the key
   *     alone for a default such as the gateway's self-signed certificate
   */
  public record TlsFile(String key, String place, Path file) {}

  /**
   * Returns the TLS certificate files {@code config} names: {@code gateway.tls_cert}, or while the
   * TLS listener is on without it, the self-signed certificate {@code vigil up} keeps in the data
   * directory once it has made one; then the control plane's {@code control_plane.tls_cert} and
   * {@code tls_client_ca} when given. Sidecars take their certificates from the Workload API, not
   * from a file.
   */
  public static List<TlsFile> filesOf(VigilConfig config) {
    List<TlsFile> out = new ArrayList<>();
    TlsSettings tls = config.tls();
    Path selfSigned = config.dataDir().resolve(ServerCertificate.CERT_FILE);
    if (tls.certFile() != null) {
      out.add(new TlsFile("gateway.tls_cert", config.where("gateway.tls_cert"), tls.certFile()));
    } else if (tls.addr() != null && Files.isRegularFile(selfSigned)) {
      out.add(
          new TlsFile(
              "gateway.tls_cert", "gateway.tls_cert (self-signed, made by vigil up)", selfSigned));
    }
    VigilConfig.ControlPlaneTls cp = config.controlPlaneTls();
    if (cp != null) {
      String cert = "control_plane.tls_cert";
      out.add(new TlsFile(cert, config.where(cert), cp.certFile()));
      if (cp.clientCaFile() != null) {
        String ca = "control_plane.tls_client_ca";
        out.add(new TlsFile(ca, config.where(ca), cp.clientCaFile()));
      }
    }
    return List.copyOf(out);
  }

  private final Instant now;
  private final Duration warn;
  private final List<Item> items;
  private final List<RotationProblem> rotation;
  private final Map<String, Long> revoked;
  private final long devicesEnrolled;
  private final long devicesRevoked;

  private CertificateExpiry(
      Instant now,
      Duration warn,
      List<Item> items,
      List<RotationProblem> rotation,
      Map<String, Long> revoked,
      long devicesEnrolled,
      long devicesRevoked) {
    this.now = now;
    this.warn = warn;
    this.items = List.copyOf(items);
    this.rotation = List.copyOf(rotation);
    this.revoked = revoked;
    this.devicesEnrolled = devicesEnrolled;
    this.devicesRevoked = devicesRevoked;
  }

  /**
   * Reads every certificate of {@code store} and {@code files} as of {@code now}.
   *
   * @param warn a certificate that expires within this long is {@link State#EXPIRING}
   * @throws dev.vigil.store.StoreException when the store cannot be read
   */
  public static CertificateExpiry check(
      Store store, List<TlsFile> files, Duration warn, Instant now) {
    if (warn.isNegative()) {
      throw new IllegalArgumentException("--warn " + warn + " is negative");
    }
    Checker c = new Checker(now, warn);
    StoredIdentity identity = StoredIdentity.read(store);
    for (TrustDomainRoots td : identity.trustDomains()) {
      // A running node rotates its roots by itself (TrustDomainCa.rotateIfDue): while rotation
      // keeps to its schedule, the active and prepared roots nearing their end are what it
      // expects, shown but not counted; once it falls behind, they count.
      boolean onSchedule = c.rotation(td);
      for (Root r : td.roots()) {
        boolean rotating =
            r.state() == CaAuthority.State.ACTIVE || r.state() == CaAuthority.State.PREPARED;
        c.add(
            "trust_domain_root",
            td.trustDomain().name() + "/" + r.id(),
            r.state().name().toLowerCase(java.util.Locale.ROOT),
            "store",
            r.certificate(),
            r.state().published() && !(onSchedule && rotating));
      }
    }
    for (StoredIdentity.Federation f : identity.federated()) {
      int i = 0;
      for (X509Certificate root : f.bundle().x509Authorities()) {
        c.add(
            "federated_root",
            f.bundle().trustDomain().name() + "[" + i++ + "]",
            "imported " + f.importedAt(),
            f.source(),
            root,
            true);
      }
    }
    Optional<X509Certificate> deviceCa = Devices.storedCaCertificate(store);
    deviceCa.ifPresent(ca -> c.add("device_ca", "device-ca", "active", "store", ca, true));
    List<Devices.Summary> devices = Devices.storedDevices(store);
    for (Devices.Summary d : devices) {
      c.addDevice(d);
    }
    for (TlsFile f : files) {
      c.addFile(f);
    }
    long revokedDevices = devices.stream().filter(Devices.Summary::revoked).count();
    return new CertificateExpiry(
        now,
        warn,
        c.items.stream()
            .sorted(
                Comparator.comparing((Item i) -> i.notAfter() == null ? Instant.MIN : i.notAfter())
                    .thenComparing(Item::kind)
                    .thenComparing(i -> !i.counts())
                    .thenComparing(Item::name))
            .toList(),
        c.rotation,
        identity.revoked(),
        devices.size(),
        revokedDevices);
  }

  /** Gathers the items of one report. */
  private static final class Checker {
    private final Instant now;
    private final Duration warn;
    private final List<Item> items = new ArrayList<>();
    private final List<RotationProblem> rotation = new ArrayList<>();

    Checker(Instant now, Duration warn) {
      this.now = now;
      this.warn = warn;
    }

    void add(
        String kind, String name, String role, String source, X509Certificate c, boolean counts) {
      Instant from = c.getNotBefore().toInstant();
      Instant to = c.getNotAfter().toInstant();
      items.add(new Item(kind, name, role, source, from, to, state(from, to), counts, null));
    }

    void addDevice(Devices.Summary d) {
      Instant to = d.notAfter();
      items.add(
          new Item(
              "device",
              d.id(),
              d.revoked() ? "revoked" : "enrolled",
              "store",
              d.enrolledAt(),
              to,
              state(d.enrolledAt(), to),
              !d.revoked(),
              null));
    }

    void addFile(TlsFile f) {
      List<X509Certificate> chain;
      try (InputStream in = Files.newInputStream(f.file())) {
        chain =
            CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                .map(X509Certificate.class::cast)
                .toList();
      } catch (NoSuchFileException e) {
        items.add(unreadable(f, "no such file"));
        return;
      } catch (IOException | CertificateException e) {
        String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        items.add(unreadable(f, why));
        return;
      }
      if (chain.isEmpty()) {
        items.add(unreadable(f, "no certificate in the file"));
        return;
      }
      for (int i = 0; i < chain.size(); i++) {
        add("tls", f.key() + "[" + i + "]", role(f, i), f.file().toString(), chain.get(i), true);
      }
    }

    /**
     * Where the certificate stands in its file: a chain's leaf and the rest, or a client CA, which
     * is no leaf of anything (a file of them is a set of authorities, not a chain).
     */
    private static String role(TlsFile f, int index) {
      if (f.key().endsWith("tls_client_ca")) {
        return "client_ca";
      }
      return index == 0 ? "leaf" : "chain";
    }

    private Item unreadable(TlsFile f, String why) {
      return new Item(
          "tls",
          f.key(),
          role(f, 0),
          f.file().toString(),
          null,
          null,
          State.UNREADABLE,
          true,
          f.place() + ": " + f.file() + ": " + Texts.clean(why));
    }

    private State state(Instant from, Instant to) {
      if (now.isBefore(from)) {
        return State.NOT_YET_VALID;
      }
      if (!now.isBefore(to)) {
        return State.EXPIRED;
      }
      return now.plus(warn).isBefore(to) ? State.OK : State.EXPIRING;
    }

    /**
     * Checks that {@code td} has an active root, and that a root it may switch to will be ready
     * before the active one expires: a prepared root may sign once it has been published for one
     * refresh hint (from its start of validity, when it was made); without one, a root prepared now
     * would be ready a refresh hint from now.
     */
    /** Checks the trust domain's rotation; returns whether it keeps to its schedule. */
    boolean rotation(TrustDomainRoots td) {
      int before = rotation.size();
      checkRotation(td);
      return rotation.size() == before;
    }

    private void checkRotation(TrustDomainRoots td) {
      String name = td.trustDomain().name();
      Optional<Root> active =
          td.roots().stream().filter(r -> r.state() == CaAuthority.State.ACTIVE).findFirst();
      if (active.isEmpty()) {
        rotation.add(
            new RotationProblem(
                name,
                "no_active_root",
                "trust domain "
                    + name
                    + " has no active root: it signs"
                    + " no SVID; run vigil identity rotate activate "
                    + name));
        return;
      }
      Instant end = active.get().certificate().getNotAfter().toInstant();
      Optional<Root> next =
          td.roots().stream().filter(r -> r.state() == CaAuthority.State.PREPARED).findFirst();
      if (next.isPresent()) {
        Instant ready = next.get().certificate().getNotBefore().toInstant().plus(td.refreshHint());
        if (!ready.isBefore(end)) {
          expiresFirst(
              name,
              active.get(),
              end,
              ", before the prepared root " + next.get().id() + " may sign at " + ready);
        }
        return;
      }
      // A running node prepares the next root half way through the active one's life.
      Instant start = active.get().certificate().getNotBefore().toInstant();
      Instant due = start.plus(Duration.between(start, end).dividedBy(2));
      if (!now.isBefore(due)) {
        expiresFirst(
            name,
            active.get(),
            end,
            " and no next root is prepared, though a running node prepares one half way through"
                + " the active root's life; check that vigil up runs, or run vigil identity"
                + " rotate prepare "
                + name);
      }
    }

    private void expiresFirst(String td, Root active, Instant end, String why) {
      rotation.add(
          new RotationProblem(
              td,
              "active_root_expires_first",
              "the active root " + active.id() + " of " + td + " expires at " + end + why));
    }
  }

  /**
   * Returns the certificates, soonest expiry first (unreadable files first of all), those relied on
   * before retired roots and revoked devices of the same time.
   */
  public List<Item> items() {
    return items;
  }

  public List<RotationProblem> rotation() {
    return rotation;
  }

  /**
   * Returns {@link #ATTENTION} when a certificate Vigil relies on is expired, not yet valid, within
   * the warning or unreadable, or a trust domain's rotation is behind; else {@link #FINE}.
   */
  public int status() {
    boolean bad =
        items.stream().anyMatch(i -> i.counts() && i.state() != State.OK) || !rotation.isEmpty();
    return bad ? ATTENTION : FINE;
  }

  private static boolean shownUncounted(Item i) {
    return !i.counts() && i.state() != State.OK;
  }

  /** A trust domain's active or prepared root left uncounted only because rotation is on time. */
  private static boolean rotatingOnSchedule(Item i) {
    return i.kind().equals("trust_domain_root")
        && (i.role().equals("active") || i.role().equals("prepared"));
  }

  public String text() {
    StringBuilder sb = new StringBuilder();
    long attention = items.stream().filter(i -> i.counts() && i.state() != State.OK).count();
    sb.append(
        String.format(
            "certificates at %s, warning within %s: %d, %d need attention%n",
            now, span(warn), items.size(), attention));
    if (items.isEmpty()) {
      sb.append("  (none)").append(System.lineSeparator());
    }
    for (Item i : items) {
      sb.append(
          String.format(
              "  %-13s %7s  %-17s %-30s %-10s %s%n",
              i.state().wireName() + (i.counts() || i.state() == State.OK ? "" : "*"),
              i.notAfter() == null ? "-" : i.daysLeft(now) + "d",
              i.kind(),
              Texts.clean(i.name()),
              Texts.clean(i.role()),
              i.problem() != null
                  ? Texts.clean(i.problem())
                  : "until " + i.notAfter() + "  " + Texts.clean(i.source())));
    }
    // Each reason a certificate is not counted is named only when one is shown: a fresh node's
    // roots on their rotation schedule, marked as a retired root is, are neither retired nor
    // revoked.
    List<String> why = new ArrayList<>();
    if (items.stream().anyMatch(i -> shownUncounted(i) && !rotatingOnSchedule(i))) {
      why.add("retired or revoked");
    }
    if (items.stream().anyMatch(i -> shownUncounted(i) && rotatingOnSchedule(i))) {
      why.add("a root the node rotates on schedule");
    }
    if (!why.isEmpty()) {
      sb.append("  * not counted: ").append(String.join("; ", why)).append(System.lineSeparator());
    }
    sb.append("rotation:").append(System.lineSeparator());
    if (rotation.isEmpty()) {
      sb.append("  (fine)").append(System.lineSeparator());
    }
    for (RotationProblem p : rotation) {
      sb.append("  ").append(p.code()).append("  ").append(Texts.clean(p.message())).append('\n');
    }
    sb.append("issuance:").append(System.lineSeparator());
    sb.append(
            "  SVIDs issued: not recorded in the store (see"
                + " vigil_identity_credentials_issued_total)")
        .append(System.lineSeparator());
    revoked.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                sb.append(
                    String.format(
                        "  %s: %d revoked serials%n", Texts.clean(e.getKey()), e.getValue())));
    sb.append(
        String.format("  devices: %d enrolled, %d revoked%n", devicesEnrolled, devicesRevoked));
    return sb.toString();
  }

  public String json() {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("at"), s(now.toString()));
    doc.put(s("warn_seconds"), NumberValue.of(warn.toSeconds()));
    List<Value> list = new ArrayList<>();
    for (Item i : items) {
      Map<Value, Value> o = new LinkedHashMap<>();
      o.put(s("kind"), s(i.kind()));
      o.put(s("name"), s(i.name()));
      o.put(s("role"), s(i.role()));
      o.put(s("source"), s(i.source()));
      o.put(s("not_before"), i.notBefore() == null ? NullValue.NULL : s(i.notBefore().toString()));
      o.put(s("not_after"), i.notAfter() == null ? NullValue.NULL : s(i.notAfter().toString()));
      o.put(
          s("days_left"), i.notAfter() == null ? NullValue.NULL : NumberValue.of(i.daysLeft(now)));
      o.put(s("state"), s(i.state().wireName()));
      o.put(s("counts"), BooleanValue.of(i.counts()));
      o.put(s("problem"), i.problem() == null ? NullValue.NULL : s(i.problem()));
      list.add(ObjectValue.of(o));
    }
    doc.put(s("certificates"), ArrayValue.of(list));
    List<Value> rot = new ArrayList<>();
    for (RotationProblem p : rotation) {
      rot.add(
          ObjectValue.of(
              s("trust_domain"), s(p.trustDomain()),
              s("code"), s(p.code()),
              s("message"), s(p.message())));
    }
    doc.put(s("rotation"), ArrayValue.of(rot));
    Map<Value, Value> revokedJson = new LinkedHashMap<>();
    revoked.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> revokedJson.put(s(e.getKey()), NumberValue.of(e.getValue())));
    doc.put(
        s("issuance"),
        ObjectValue.of(
            s("svids_recorded"), BooleanValue.of(false),
            s("revoked_serials"), ObjectValue.of(revokedJson),
            s("devices_enrolled"), NumberValue.of(devicesEnrolled),
            s("devices_revoked"), NumberValue.of(devicesRevoked)));
    doc.put(s("status"), NumberValue.of(status()));
    return Json.writePretty(ObjectValue.of(doc));
  }

  /** Writes {@code d} as the options take it: whole days, hours, minutes or seconds. */
  private static String span(Duration d) {
    long s = d.toSeconds();
    if (s != 0 && s % 86400 == 0) {
      return s / 86400 + "d";
    }
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s % 60 == 0 && s != 0 ? s / 60 + "m" : s + "s";
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }
}
