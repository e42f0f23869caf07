package dev.vigil.access;

import dev.vigil.httpkit.DurationText;
import dev.vigil.store.ChangeFeed;
import dev.vigil.store.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just-in-time grants: a person asks for an entitlement for a while, with a reason; one of its
 * approvers (never the person who asked) approves or denies; an approval starts the clock, and the
 * grant counts until it expires or an administrator revokes it. For entitlements that allow it, a
 * person may take a short grant at once without approval (break-glass): it is logged as a warning
 * and stays unreviewed until an administrator reviews it. Every change is stored with an audit
 * event (who, when, what, why) in the same transaction.
 *
 * <p>How the configuration bounds grants: an active grant never outlives what the configuration in
 * force allows. {@link #configure} (a reload, or the start of a node) ends at once the active
 * grants of an entitlement no longer configured, of a holder no longer configured, and break-glass
 * grants of an entitlement that no longer allows break-glass (state {@code revoked}, by {@code
 * vigil}, with a {@code config_changed} reason in the audit trail), and shortens those that now
 * last longer than {@code max_duration} (or {@code break_glass_max_duration}) from their start.
 * {@link #active} applies the same bounds to the view, so that the node that reloads honours them
 * before and whatever its store writes do; the others learn of the cut through {@value #CHANNEL}.
 * The checks that make or start a grant (request, break-glass, approve) run under a read lock the
 * change of configuration takes for writing, so none of them can store a grant checked against the
 * configuration just replaced after that configuration's cut has run.
 *
 * <p>How the checks hold when several ask at once: every change of a grant is a conditional update
 * from the state it expects (see {@link GrantStore}), and the count of a person's waiting requests
 * is taken in the transaction that adds one, after a lock on that person (SQLite's write lock, a
 * PostgreSQL advisory lock), so that requests sent at once, to one node or several, cannot pass
 * {@link #MAX_PENDING} together.
 *
 * <p>How the gateway reads grants: {@link #active} reads memory only (the decide path never waits
 * on the database). The view holds the grants that were active when the store was last read; it is
 * read again after every change this node makes, on every change another node announces on the
 * {@value #CHANNEL} change feed (PostgreSQL), and every {@code period} given to {@link #start}.
 * Expiry is checked against the clock at each read, so a grant that expired since the last refresh
 * never counts. When a refresh fails the view is dropped and no grant counts until one succeeds: a
 * revocation that cannot be seen must not leave a grant standing.
 *
 * <p>Thread-safe. Time comes from the injected clock.
 */
public final class Grants implements AutoCloseable {

  /** The change feed channel grant changes are announced on. */
  public static final String CHANNEL = "vigil_grants";

  /** The start of the reason of an audit event written for a change of configuration. */
  public static final String CONFIG_CHANGED = "config_changed: ";

  /** The longest reason kept. */
  public static final int MAX_REASON = 500;

  /** How many requests one person may have waiting at once. */
  public static final int MAX_PENDING = 20;

  private static final Logger log = LoggerFactory.getLogger(Grants.class);

  /** The actor of the changes a node makes on its own: expiries and cuts by the configuration. */
  static final String NODE = "vigil";

  private final GrantStore store;
  private final InstantSource clock;
  private volatile Config config;
  private volatile Duration requestLifetime = Grant.DEFAULT_REQUEST_LIFETIME;

  /**
   * Read-held by the operations that check the configuration and then store a grant that counts or
   * may count; write-held by a change of configuration while it swaps {@link #config} and cuts the
   * grants the new one does not allow.
   */
  private final ReentrantReadWriteLock configuring = new ReentrantReadWriteLock();

  /** Whether the last cut failed (the store could not be written): tried again at each refresh. */
  private volatile boolean cutOwed;

  /** Active grants by subject and sign-in, or null when the last read of the store failed. */
  private volatile Map<String, List<Grant>> view = Map.of();

  /**
   * Held through each refresh, so that a read begun before a change cannot publish its view after
   * the read that follows the change: a revoked grant would come back until the next refresh.
   */
  private final Object refreshing = new Object();

  private ScheduledExecutorService refresher;
  private ChangeFeed feed;

  /**
   * Hears each change of a grant this node makes: a request, a break-glass, a decision, a
   * revocation, a review, an expiry it marks. Called on the thread that made the change, after it
   * is stored; a listener must hand slow work (a webhook) to a thread of its own.
   */
  public interface Listener {
    void changed(GrantEvent event, Grant grant);
  }

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Grants(GrantStore store, InstantSource clock, List<Entitlement> entitlements) {
    this.store = store;
    // The store keeps milliseconds: a grant answered with the nanoseconds of the clock would
    // differ from the same grant read back (an expiry up to a millisecond later than stored).
    this.clock = () -> clock.instant().truncatedTo(ChronoUnit.MILLIS);
    this.config = new Config(byName(entitlements), Holders.ANYONE);
  }

  /** The configuration grants are bounded by. */
  private record Config(Map<String, Entitlement> entitlements, Holders holders) {}

  /**
   * Opens grants over {@code store} with the configured entitlements and reads the view. Grants
   * already stored are not cut to them until {@link #configure} is called: a reader of the store
   * without a configuration of its own ({@code vigil access list}) opens it with none.
   */
  public static Grants open(Store store, InstantSource clock, List<Entitlement> entitlements) {
    return open(store, clock, entitlements, List.of());
  }

  /**
   * Opens grants as {@link #open(Store, InstantSource, List)} does with {@code listeners} told of
   * the changes of the first read already: it marks expired the grants that ended while no node ran
   * and the requests that lapsed meanwhile, and a listener added after it would never hear of them.
   */
  public static Grants open(
      Store store, InstantSource clock, List<Entitlement> entitlements, List<Listener> listeners) {
    Grants g = new Grants(new GrantStore(store), clock, entitlements);
    listeners.forEach(g::listen);
    g.refresh();
    return g;
  }

  private static Map<String, Entitlement> byName(List<Entitlement> list) {
    Map<String, Entitlement> m = new LinkedHashMap<>();
    for (Entitlement e : list) {
      if (m.putIfAbsent(e.name(), e) != null) {
        throw new IllegalArgumentException("entitlement \"" + e.name() + "\" is listed twice");
      }
    }
    return Map.copyOf(m);
  }

  /**
   * Puts a configuration in force (at the start of a node, and at each reload): the entitlements
   * and who may hold grants. Active grants it does not allow end at once, and those that last
   * longer than it allows are shortened, each with an audit event; the view follows at once, and
   * the other nodes through the change feed. When the store cannot be written, the view still
   * applies the new bounds and the cut is tried again at each refresh.
   *
   * @throws IllegalArgumentException when an entitlement is listed twice; nothing changes then
   */
  public void configure(List<Entitlement> list, Holders holders) {
    Config next = new Config(byName(list), Objects.requireNonNull(holders, "holders"));
    Lock w = configuring.writeLock();
    w.lock();
    try {
      config = next;
      cutQuietly();
    } finally {
      w.unlock();
    }
    refreshQuietly();
  }

  /**
   * Sets how long a request made from now on waits for a decision ({@code
   * access.request_lifetime}). Each request keeps the lifetime it was made with, so a change
   * neither revives a request that lapsed nor cuts short one that waits.
   *
   * @throws IllegalArgumentException when it is not from {@link Grant#MIN_REQUEST_LIFETIME} to
   *     {@link Grant#MAX_REQUEST_LIFETIME}
   */
  public void requestLifetime(Duration lifetime) {
    if (lifetime.compareTo(Grant.MIN_REQUEST_LIFETIME) < 0
        || lifetime.compareTo(Grant.MAX_REQUEST_LIFETIME) > 0) {
      throw new IllegalArgumentException(
          "request_lifetime: "
              + DurationText.format(lifetime)
              + " is not from "
              + DurationText.format(Grant.MIN_REQUEST_LIFETIME)
              + " to "
              + DurationText.format(Grant.MAX_REQUEST_LIFETIME));
    }
    requestLifetime = lifetime;
  }

  /** Replaces the entitlements, keeping the holders: {@link #configure} with them. */
  public void entitlements(List<Entitlement> list) {
    configure(list, config.holders());
  }

  /** Returns the configured entitlements, by name. */
  public Map<String, Entitlement> entitlements() {
    return config.entitlements();
  }

  /** Tells {@code l} of every change of a grant this node makes from now on. */
  public void listen(Listener l) {
    listeners.add(Objects.requireNonNull(l, "listener"));
  }

  /** Tells the listeners of {@code event}, with the grant as it is stored after it. */
  private void tell(GrantEvent event) {
    if (listeners.isEmpty()) {
      return;
    }
    Optional<Grant> g = store.grant(event.grantId());
    if (g.isEmpty()) {
      return;
    }
    for (Listener l : listeners) {
      try {
        l.changed(event, g.get());
      } catch (RuntimeException e) {
        // A listener's fault must not undo or fail the change it heard about.
        log.warn(
            "grant listener failed on {} of {}: {}", event.action(), event.grantId(), e.toString());
      }
    }
  }

  /**
   * Asks for {@code entitlement} for {@code duration} (like {@code 30m} or {@code 1h}; null or
   * blank for its maximum).
   *
   * @throws GrantException {@code bad_request} naming {@code entitlement}, {@code duration} or
   *     {@code reason}; {@code conflict} when the subject has too many requests waiting; {@code
   *     forbidden} when the subject may not hold grants (see {@link Holders})
   */
  public Grant request(
      String subject, String idp, String entitlement, String duration, String reason) {
    Lock r = configuring.readLock();
    r.lock();
    try {
      return requestChecked(subject, idp, entitlement, duration, reason);
    } finally {
      r.unlock();
    }
  }

  private Grant requestChecked(
      String subject, String idp, String entitlement, String duration, String reason) {
    holder(subject, idp);
    Entitlement e = entitlement(entitlement);
    Duration d = duration(duration, e.maxDuration(), "max_duration of " + e.name());
    String why = reason(reason);
    Instant now = clock.instant();
    Grant g =
        Grant.pending(
            GrantStore.newId("gr-"),
            subject,
            idp,
            e.name(),
            why,
            now,
            d,
            now.plus(requestLifetime));
    // Counted in the transaction that adds it, after a lock on the person: see the class doc.
    GrantEvent requested =
        new GrantEvent(g.id(), now, subject, "requested", why, Grant.providerOf(idp));
    if (!store.insertPending(g, requested, MAX_PENDING)) {
      throw new GrantException(
          "conflict",
          null,
          "you have " + MAX_PENDING + " requests waiting already; wait for a decision on them");
    }
    log.info(
        "access requested: grant_id={} subject={} entitlement={} duration={}s",
        g.id(),
        subject,
        e.name(),
        d.toSeconds());
    changed(g.id());
    tell(requested);
    return g;
  }

  /**
   * Takes {@code entitlement} at once without approval, for {@code duration} (null or blank for the
   * entitlement's break-glass maximum).
   *
   * @throws GrantException {@code bad_request} naming {@code entitlement} (unknown, or break-glass
   *     is not allowed for it), {@code duration} or {@code reason}; {@code conflict} when the
   *     subject holds an active break-glass grant of it already; {@code forbidden} when the subject
   *     may not hold grants
   */
  public Grant breakGlass(
      String subject, String idp, String entitlement, String duration, String reason) {
    Lock r = configuring.readLock();
    r.lock();
    try {
      return breakGlassChecked(subject, idp, entitlement, duration, reason);
    } finally {
      r.unlock();
    }
  }

  private Grant breakGlassChecked(
      String subject, String idp, String entitlement, String duration, String reason) {
    holder(subject, idp);
    Entitlement e = entitlement(entitlement);
    if (!e.breakGlass()) {
      throw new GrantException(
          "bad_request",
          "entitlement",
          "entitlement \"" + e.name() + "\" does not allow break-glass; request it instead");
    }
    Duration d =
        duration(duration, e.breakGlassMaxDuration(), "break_glass_max_duration of " + e.name());
    String why = reason(reason);
    Instant now = clock.instant();
    Grant g = Grant.breakGlass(GrantStore.newId("gr-"), subject, idp, e.name(), why, now, d);
    GrantEvent taken =
        new GrantEvent(g.id(), now, subject, "break_glass", why, Grant.providerOf(idp));
    // Checked in the transaction that adds it, after a lock on the person, like a request.
    Optional<Grant> held = store.insertBreakGlass(g, taken);
    if (held.isPresent()) {
      throw new GrantException(
          "conflict",
          "entitlement",
          "you hold break-glass grant "
              + held.get().id()
              + " of "
              + e.name()
              + " until "
              + held.get().expiresAt()
              + " already; another cannot be taken before it ends");
    }
    log.warn(
        "break-glass access taken: grant_id={} subject={} entitlement={} expires_at={} reason={}",
        g.id(),
        subject,
        e.name(),
        g.expiresAt(),
        printable(why));
    changed(g.id());
    tell(taken);
    return g;
  }

  /** Approves a pending request as the local user {@code approver}: see {@link #approve}. */
  public Grant approve(String id, String approver, Collection<String> groups, String note) {
    return approve(id, approver, Holders.LOCAL, groups, note);
  }

  /**
   * Approves a pending request: the grant counts from now for the duration asked.
   *
   * @param approver the user id of the approver
   * @param idp the sign-in of the approver: {@link Holders#LOCAL} or a provider's name
   * @param groups the approver's groups
   * @throws GrantException {@code not_found}; {@code forbidden} for the requester (the same user id
   *     of the same sign-in) or someone who is not an approver of the entitlement; {@code conflict}
   *     when it is not pending
   */
  public Grant approve(
      String id, String approver, String idp, Collection<String> groups, String note) {
    Lock r = configuring.readLock();
    r.lock();
    try {
      return approveChecked(id, approver, idp, groups, note);
    } finally {
      r.unlock();
    }
  }

  private Grant approveChecked(
      String id, String approver, String idp, Collection<String> groups, String note) {
    Config c = config;
    Grant g = decidable(id, approver, idp, groups, c);
    String holder = c.holders().refusal(g.subject(), g.idp());
    if (holder != null) {
      throw new GrantException("conflict", "id", "grant " + id + " cannot be approved: " + holder);
    }
    String why = note == null ? "" : optionalReason(note);
    Instant now = clock.instant();
    // Read once with the checks above: a reload between them cannot leave it missing here.
    Entitlement e = c.entitlements().get(g.entitlement());
    // The entitlement's cap may have shrunk since the request: the shorter counts.
    Duration d = g.duration().compareTo(e.maxDuration()) > 0 ? e.maxDuration() : g.duration();
    String approverIdp = Grant.providerOf(idp);
    GrantEvent approvedEvent = new GrantEvent(id, now, approver, "approved", why, approverIdp);
    boolean done =
        store.change(
            "approve",
            approvedEvent,
            "UPDATE grants SET state = ?, decided_by = ?, decided_by_idp = ?, decided_at_ms = ?,"
                + " decision_reason = ?, starts_at_ms = ?, expires_at_ms = ?, duration_s = ?"
                + " WHERE id = ? AND state = ?",
            Grant.State.ACTIVE.wireName(),
            approver,
            approverIdp,
            now.toEpochMilli(),
            why,
            now.toEpochMilli(),
            now.plus(d).toEpochMilli(),
            d.toSeconds(),
            id,
            Grant.State.PENDING.wireName());
    if (!done) {
      throw notPending(id);
    }
    log.info(
        "access approved: grant_id={} subject={} idp={} entitlement={} approver={} approver_idp={}"
            + " expires_at={}",
        id,
        g.subject(),
        g.idp(),
        g.entitlement(),
        approver,
        idp,
        now.plus(d));
    changed(id);
    tell(approvedEvent);
    return store.grant(id).orElseThrow();
  }

  /** Denies a pending request as the local user {@code approver}: see {@link #deny}. */
  public Grant deny(String id, String approver, Collection<String> groups, String reason) {
    return deny(id, approver, Holders.LOCAL, groups, reason);
  }

  /**
   * Denies a pending request, with a reason.
   *
   * @throws GrantException as {@link #approve}, and {@code bad_request} naming {@code reason}
   */
  public Grant deny(
      String id, String approver, String idp, Collection<String> groups, String reason) {
    Grant g = decidable(id, approver, idp, groups, config);
    String why = reason(reason);
    Instant now = clock.instant();
    String approverIdp = Grant.providerOf(idp);
    GrantEvent deniedEvent = new GrantEvent(id, now, approver, "denied", why, approverIdp);
    boolean done =
        store.change(
            "deny",
            deniedEvent,
            "UPDATE grants SET state = ?, decided_by = ?, decided_by_idp = ?, decided_at_ms = ?,"
                + " decision_reason = ?, expires_at_ms = NULL WHERE id = ? AND state = ?",
            Grant.State.DENIED.wireName(),
            approver,
            approverIdp,
            now.toEpochMilli(),
            why,
            id,
            Grant.State.PENDING.wireName());
    if (!done) {
      throw notPending(id);
    }
    log.info(
        "access denied: grant_id={} subject={} idp={} entitlement={} approver={} approver_idp={}",
        id,
        g.subject(),
        g.idp(),
        g.entitlement(),
        approver,
        idp);
    changed(id);
    tell(deniedEvent);
    return store.grant(id).orElseThrow();
  }

  private Grant decidable(
      String id, String approver, String idp, Collection<String> groups, Config c) {
    Grant g = find(id);
    // A person is a user id of one sign-in: a local user and a provider's user are never linked.
    if (g.subject().equals(approver) && g.idp().equals(idp)) {
      throw new GrantException(
          "forbidden", "id", "grant " + id + " is your own request: another approver must decide");
    }
    Entitlement e = c.entitlements().get(g.entitlement());
    if (e == null) {
      throw new GrantException(
          "conflict",
          "id",
          "entitlement \"" + g.entitlement() + "\" of grant " + id + " is no longer configured");
    }
    if (!e.approvableBy(approver, idp, groups)) {
      throw new GrantException(
          "forbidden",
          "id",
          "you are not an approver of entitlement \"" + g.entitlement() + "\" (grant " + id + ")");
    }
    if (g.stateAt(clock.instant()) != Grant.State.PENDING) {
      throw notPending(id);
    }
    return g;
  }

  private GrantException notPending(String id) {
    Grant now = find(id);
    return new GrantException(
        "conflict",
        "id",
        "grant " + id + " is " + now.stateAt(clock.instant()).wireName() + ", not pending");
  }

  /**
   * Ends an active grant at once.
   *
   * @throws GrantException {@code not_found}; {@code conflict} when it is not active; {@code
   *     bad_request} naming {@code reason}
   */
  public Grant revoke(String id, String by, String reason) {
    Grant g = find(id);
    String why = reason(reason);
    Instant now = clock.instant();
    GrantEvent revokedEvent = new GrantEvent(id, now, by, "revoked", why);
    boolean done =
        g.stateAt(now) == Grant.State.ACTIVE
            && store.change(
                "revoke",
                revokedEvent,
                "UPDATE grants SET state = ?, ended_by = ?, ended_at_ms = ? WHERE id = ? AND"
                    + " state = ? AND expires_at_ms > ?",
                Grant.State.REVOKED.wireName(),
                by,
                now.toEpochMilli(),
                id,
                Grant.State.ACTIVE.wireName(),
                now.toEpochMilli());
    if (!done) {
      throw new GrantException(
          "conflict",
          "id",
          "grant " + id + " is " + find(id).stateAt(now).wireName() + ", not active");
    }
    log.info(
        "access revoked: grant_id={} subject={} entitlement={} by={}",
        id,
        g.subject(),
        g.entitlement(),
        by);
    changed(id);
    tell(revokedEvent);
    return store.grant(id).orElseThrow();
  }

  /**
   * Marks a break-glass grant reviewed by administrator {@code by}.
   *
   * @throws GrantException {@code not_found}; {@code forbidden} when {@code by} holds the grant;
   *     {@code conflict} when it is no break-glass grant or was reviewed already
   */
  public Grant review(String id, String by, String note) {
    Grant g = find(id);
    if (g.subject().equals(by)) {
      // The review is the check on a grant nobody approved: its holder cannot be that check.
      throw new GrantException(
          "forbidden",
          "id",
          "grant " + id + " is your own break-glass grant: another administrator must review it");
    }
    String why = note == null ? "" : optionalReason(note);
    Instant now = clock.instant();
    GrantEvent reviewedEvent = new GrantEvent(id, now, by, "reviewed", why);
    boolean done =
        g.breakGlass()
            && store.change(
                "review",
                reviewedEvent,
                "UPDATE grants SET reviewed_by = ?, reviewed_at_ms = ? WHERE id = ? AND"
                    + " break_glass = 1 AND reviewed_at_ms IS NULL",
                by,
                now.toEpochMilli(),
                id);
    if (!done) {
      throw new GrantException(
          "conflict",
          "id",
          g.breakGlass()
              ? "grant " + id + " was reviewed already"
              : "grant " + id + " is no break-glass grant");
    }
    log.info("break-glass access reviewed: grant_id={} subject={} by={}", id, g.subject(), by);
    changed(id);
    tell(reviewedEvent);
    return store.grant(id).orElseThrow();
  }

  /**
   * Returns the grants that count for {@code subject} signed in through {@code idp} now: active,
   * not expired, and allowed by the configuration in force (see {@link #configure}), each with the
   * end that configuration gives it. Reads memory only; empty when the view could not be read.
   */
  public List<Grant> active(String subject, String idp) {
    Map<String, List<Grant>> v = view;
    if (v == null || subject == null) {
      return List.of();
    }
    List<Grant> held = v.get(key(subject, idp));
    if (held == null) {
      return List.of();
    }
    Instant now = clock.instant();
    Config c = config;
    List<Grant> out = new ArrayList<>(held.size());
    for (Grant g : held) {
      Cut cut = cut(g, c);
      Grant bounded = cut == null ? g : cut.ends() ? null : g.endingAt(cut.until());
      if (bounded != null && bounded.activeAt(now)) {
        out.add(bounded);
      }
    }
    return out;
  }

  /**
   * Returns the grants of {@code subject} signed in through {@code idp}, newest first (reads the
   * store). Another provider's user of the same id is another person and is not shown them.
   */
  public List<Grant> of(String subject, String idp) {
    return store.ofSubject(subject, idp, 100);
  }

  /** Returns the requests waiting for a decision, oldest first (reads the store). */
  public List<Grant> pending() {
    Instant now = clock.instant();
    return store.inState(Grant.State.PENDING).stream()
        .filter(g -> g.stateAt(now) == Grant.State.PENDING)
        .toList();
  }

  /** Returns the requests the local user {@code approver} may decide: see {@link #pendingFor}. */
  public List<Grant> pendingFor(String approver, Collection<String> groups) {
    return pendingFor(approver, Holders.LOCAL, groups);
  }

  /**
   * Returns the requests {@code approver}, signed in through {@code idp}, may decide: pending, not
   * their own, oldest first.
   */
  public List<Grant> pendingFor(String approver, String idp, Collection<String> groups) {
    Map<String, Entitlement> known = config.entitlements();
    return pending().stream()
        .filter(g -> !(g.subject().equals(approver) && g.idp().equals(idp)))
        .filter(g -> known.containsKey(g.entitlement()))
        .filter(g -> known.get(g.entitlement()).approvableBy(approver, idp, groups))
        .toList();
  }

  /** Returns the grants active now, oldest first (reads the store). */
  public List<Grant> activeNow() {
    Instant now = clock.instant();
    return store.inState(Grant.State.ACTIVE).stream().filter(g -> g.activeAt(now)).toList();
  }

  /** Returns the break-glass grants no administrator reviewed yet (reads the store). */
  public List<Grant> unreviewed() {
    return store.unreviewed();
  }

  /** Returns one grant (reads the store). */
  public Optional<Grant> get(String id) {
    return store.grant(id);
  }

  /** Returns the audit trail of one grant, oldest first (reads the store). */
  public List<GrantEvent> events(String id) {
    return store.events(id);
  }

  private Grant find(String id) {
    if (id == null || id.isBlank()) {
      throw new GrantException("bad_request", "id", "a grant id is required");
    }
    return store
        .grant(id)
        .orElseThrow(() -> new GrantException("not_found", "id", "no grant " + printable(id)));
  }

  /**
   * Refuses a holder the configuration in force does not know: a session begun before a reload
   * removed its user may still be in flight.
   */
  private void holder(String subject, String idp) {
    String refusal = config.holders().refusal(subject, idp);
    if (refusal != null) {
      throw new GrantException("forbidden", null, "no grant can be given: " + refusal);
    }
  }

  private Entitlement entitlement(String name) {
    if (name == null || name.isBlank()) {
      throw new GrantException("bad_request", "entitlement", "entitlement is required");
    }
    Entitlement e = config.entitlements().get(name.strip());
    if (e == null) {
      throw new GrantException(
          "bad_request",
          "entitlement",
          "entitlement \"" + printable(name) + "\" is not configured (access.entitlements)");
    }
    return e;
  }

  /**
   * Reads a requested duration as {@link DurationText} reads every duration ({@code 90m}, {@code
   * 1h30m}), in whole minutes, at least a minute and at most {@code cap}; null or blank gives
   * {@code cap}.
   */
  static Duration duration(String text, Duration cap, String capName) {
    if (text == null || text.isBlank()) {
      return cap;
    }
    Duration d;
    try {
      d = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      throw new GrantException("bad_request", "duration", "duration " + printable(e.getMessage()));
    }
    if (d.toMillis() % 60_000 != 0) {
      throw new GrantException(
          "bad_request",
          "duration",
          "duration \""
              + printable(text.strip())
              + "\" is not whole minutes (grants are asked in minutes)");
    }
    if (d.compareTo(Entitlement.FLOOR) < 0) {
      throw new GrantException("bad_request", "duration", "duration must be at least 1m");
    }
    if (d.compareTo(cap) > 0) {
      throw new GrantException(
          "bad_request",
          "duration",
          "duration \""
              + text.strip()
              + "\" is longer than the "
              + capName
              + " ("
              + DurationText.format(cap)
              + ")");
    }
    return d;
  }

  /** A required reason: 1 to {@value #MAX_REASON} characters on one line, no control characters. */
  static String reason(String text) {
    if (text == null || text.isBlank()) {
      throw new GrantException("bad_request", "reason", "reason is required");
    }
    return optionalReason(text);
  }

  private static String optionalReason(String text) {
    String r = text.strip();
    if (r.codePointCount(0, r.length()) > MAX_REASON) {
      throw new GrantException(
          "bad_request", "reason", "reason must be " + MAX_REASON + " characters or less");
    }
    if (r.codePoints().anyMatch(Grants::breaksTheLine)) {
      throw new GrantException(
          "bad_request", "reason", "reason must be one line without control characters");
    }
    return r;
  }

  /**
   * Whether {@code c} would break a reason's one line in the service log or the audit trail, or
   * make it read otherwise than it is stored: control characters, the Unicode line and paragraph
   * separators, and the bidirectional embeddings, overrides and isolates.
   */
  private static boolean breaksTheLine(int c) {
    int type = Character.getType(c);
    return Character.isISOControl(c)
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || (c >= 0x202A && c <= 0x202E)
        || (c >= 0x2066 && c <= 0x2069);
  }

  /**
   * What the configuration {@code c} does to the active grant {@code g}: null when it allows all of
   * it, else the end it gives it (now, or a shorter end) and why.
   */
  private static Cut cut(Grant g, Config c) {
    Entitlement e = c.entitlements().get(g.entitlement());
    if (e == null) {
      return Cut.now("entitlement \"" + g.entitlement() + "\" is no longer configured");
    }
    String holder = c.holders().refusal(g.subject(), g.idp());
    if (holder != null) {
      return Cut.now(holder);
    }
    if (g.breakGlass() && !e.breakGlass()) {
      return Cut.now("entitlement \"" + e.name() + "\" no longer allows break-glass");
    }
    Duration cap = g.breakGlass() ? e.breakGlassMaxDuration() : e.maxDuration();
    Instant last = g.startsAt().plus(cap);
    if (!g.expiresAt().isAfter(last)) {
      return null;
    }
    String key = g.breakGlass() ? "break_glass_max_duration" : "max_duration";
    return new Cut(
        last, key + " of \"" + e.name() + "\" is " + cap.toMinutes() + "m now, from its start");
  }

  /**
   * An end the configuration gives a grant: {@code until} null to end it at once (revoked), else
   * the later end to shorten it to.
   */
  private record Cut(Instant until, String why) {
    static Cut now(String why) {
      return new Cut(null, why);
    }

    boolean ends() {
      return until == null;
    }
  }

  /**
   * Cuts in the store the active grants the configuration in force does not allow, each with an
   * audit event by {@value #NODE}, and tells the other nodes. Held under the write lock of {@link
   * #configuring}, or from a refresh when a cut is owed.
   *
   * @throws RuntimeException when the store cannot be read or written; the cut is owed then
   */
  private void cut() {
    cutOwed = true;
    Config c = config;
    Instant now = clock.instant();
    int cut = 0;
    for (Grant g : store.inState(Grant.State.ACTIVE)) {
      Cut x = g.activeAt(now) ? cut(g, c) : null;
      if (x != null && (x.ends() ? end(g, x, now) : shorten(g, x, now))) {
        cut++;
      }
    }
    cutOwed = false;
    if (cut > 0) {
      ChangeFeed.publish(store.store(), CHANNEL, "changed", "config");
    }
  }

  private boolean end(Grant g, Cut x, Instant now) {
    boolean done =
        store.change(
            "end",
            new GrantEvent(g.id(), now, NODE, "revoked", CONFIG_CHANGED + x.why()),
            "UPDATE grants SET state = ?, ended_by = ?, ended_at_ms = ? WHERE id = ? AND"
                + " state = ? AND expires_at_ms > ?",
            Grant.State.REVOKED.wireName(),
            NODE,
            now.toEpochMilli(),
            g.id(),
            Grant.State.ACTIVE.wireName(),
            now.toEpochMilli());
    if (done) {
      log.warn(
          "access ended by a configuration change: grant_id={} subject={} entitlement={}"
              + " break_glass={} reason={}",
          g.id(),
          g.subject(),
          g.entitlement(),
          g.breakGlass(),
          x.why());
    }
    return done;
  }

  private boolean shorten(Grant g, Cut x, Instant now) {
    // A cap shorter than the time it has run already ends it now.
    Instant until = x.until().isBefore(now) ? now : x.until();
    boolean done =
        store.change(
            "shorten",
            new GrantEvent(g.id(), now, NODE, "shortened", CONFIG_CHANGED + x.why()),
            "UPDATE grants SET expires_at_ms = ? WHERE id = ? AND state = ? AND expires_at_ms > ?",
            until.toEpochMilli(),
            g.id(),
            Grant.State.ACTIVE.wireName(),
            until.toEpochMilli());
    if (done) {
      log.warn(
          "access shortened by a configuration change: grant_id={} subject={} entitlement={}"
              + " expires_at={} reason={}",
          g.id(),
          g.subject(),
          g.entitlement(),
          until,
          x.why());
    }
    return done;
  }

  private void cutQuietly() {
    try {
      cut();
    } catch (RuntimeException e) {
      log.warn(
          "cannot cut the grants to the new configuration, tried again at each refresh"
              + " (this node counts none it does not allow meanwhile): {}",
          e.getMessage());
    }
  }

  /** After a change this node made: tell the others, and read the view again. */
  private void changed(String id) {
    ChangeFeed.publish(store.store(), CHANNEL, "changed", id);
    refreshQuietly();
  }

  /**
   * Reads the active grants from the store into the view and marks those past their expiry as
   * expired (with an audit event each). On failure the view is dropped: no grant counts.
   */
  public void refresh() {
    if (cutOwed) {
      cutOwed();
    }
    synchronized (refreshing) {
      read();
    }
  }

  /** Tries again a cut that failed, unless a change of configuration is running it now. */
  private void cutOwed() {
    Lock w = configuring.writeLock();
    if (w.tryLock()) {
      try {
        if (cutOwed) {
          cutQuietly();
        }
      } finally {
        w.unlock();
      }
    }
  }

  private void read() {
    try {
      Instant now = clock.instant();
      for (Grant g : store.overdue(now.toEpochMilli())) {
        // Its end as read, again in the update: only a grant still active and past it expires.
        GrantEvent expired =
            new GrantEvent(g.id(), g.expiresAt(), NODE, "expired", "duration ended");
        boolean done =
            store.change(
                "expire",
                expired,
                "UPDATE grants SET state = ? WHERE id = ? AND state = ? AND expires_at_ms <= ?",
                Grant.State.EXPIRED.wireName(),
                g.id(),
                Grant.State.ACTIVE.wireName(),
                now.toEpochMilli());
        if (done) {
          log.info(
              "access expired: grant_id={} subject={} entitlement={}",
              g.id(),
              g.subject(),
              g.entitlement());
          tell(expired);
        }
      }
      long nowMs = now.toEpochMilli();
      for (Grant g : store.unanswered(nowMs)) {
        Instant lapsesAt = g.lapsesAt();
        GrantEvent lapsed =
            new GrantEvent(
                g.id(),
                lapsesAt,
                NODE,
                "expired",
                "no decision within "
                    + DurationText.format(Duration.between(g.requestedAt(), lapsesAt)));
        boolean done =
            store.change(
                "expire request",
                lapsed,
                "UPDATE grants SET state = ? WHERE id = ? AND state = ? AND "
                    + GrantStore.LAPSES_AT
                    + " <= ?",
                Grant.State.EXPIRED.wireName(),
                g.id(),
                Grant.State.PENDING.wireName(),
                nowMs);
        if (done) {
          log.info(
              "access request expired undecided: grant_id={} subject={} entitlement={}",
              g.id(),
              g.subject(),
              g.entitlement());
          tell(lapsed);
        }
      }
      Map<String, List<Grant>> fresh = new HashMap<>();
      for (Grant g : store.inState(Grant.State.ACTIVE)) {
        fresh.computeIfAbsent(key(g.subject(), g.idp()), k -> new ArrayList<>()).add(g);
      }
      fresh.replaceAll((k, l) -> List.copyOf(l));
      view = Map.copyOf(fresh);
    } catch (RuntimeException e) {
      view = null;
      throw e;
    }
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("grant view refresh failed, no grant counts until one succeeds: {}", e.getMessage());
    }
  }

  private static String key(String subject, String idp) {
    return idp + "\u0000" + subject;
  }

  /**
   * Follows the changes of other nodes (PostgreSQL) and refreshes the view every {@code period} on
   * a background thread, until closed.
   */
  public synchronized void start(Duration period) {
    if (refresher != null) {
      return;
    }
    feed = ChangeFeed.follow(store.store(), CHANNEL, event -> refresh());
    refresher =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-grants-refresh");
              t.setDaemon(true);
              return t;
            });
    refresher.scheduleWithFixedDelay(
        this::refreshQuietly, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public synchronized void close() {
    if (refresher != null) {
      refresher.shutdownNow();
      refresher = null;
    }
    if (feed != null) {
      feed.close();
      feed = null;
    }
  }

  /** Text a client chose, for messages and the log: no control characters, at most 200. */
  static String printable(String text) {
    String safe = text == null ? "" : text.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 200 ? safe.substring(0, 200) + "..." : safe;
  }
}
