package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions signed out in one realm (the gateway's sessions, or the console's), refused until
 * they would have expired anyway: on every node sharing the store, and after restarts (table {@code
 * session_sign_outs}, migration 0009).
 *
 * <p>How it works. The request path never reads the database: {@link #refuses} looks in a set held
 * in memory, read from the store when this is opened and kept up to date from then on. {@link
 * #signOut} adds the session to that set at once, then, on this object's own thread, stores it and
 * announces it on the change feed's channel {@value #CHANNEL} ({@code signed-out REALM HASH ISSUED
 * UNTIL}) in one transaction, so that no sign-out is stored unannounced. Every node following the
 * feed adds an announced sign-out to its own set as it stands (a sign-out only ever adds a refusal,
 * so there is nothing to reconcile and no reason to reread the table at each one), and after every
 * (re)connect of the feed, when announcements may have been lost, rereads the realm's rows; it also
 * rereads them every {@link #REREAD_EVERY}, which bounds how long a feed whose connection died
 * unnoticed can leave a node behind. With SQLite there is one node and nothing to follow.
 *
 * <p>Fail closed. Opening fails when the store cannot be read, rather than start with sign-outs
 * forgotten. A sign-out that cannot be stored is refused by this node all the same, logged, and
 * stored again every {@link #RETRY_EVERY} until that works or the session has expired. Storing is
 * bounded in time as a sign-in's calls are ({@link BoundedCalls}): a store that stops answering
 * delays the answer to a sign-out by a few seconds, and never holds the sign-outs after it. A
 * reread only adds to the set; entries leave it only when they expire.
 *
 * <p>Expiry. A sign-out is kept while its session could still be opened on any node: until the
 * session's own absolute expiry, given with the sign-out, and also until the session's start plus
 * this node's session lifetime, so that raising the lifetime and restarting does not bring back a
 * session signed out under the shorter one. The nodes sharing a store need not share a lifetime,
 * and any of them removes the rows past both times: so the expiry given must be the last second at
 * which ANY node may accept the session, which the session itself must carry (the gateway seals it
 * in the cookie at sign-in, and every node refuses the cookie after it). An expiry computed from
 * the signing node's own lifetime would let a node with a shorter one remove the row while a node
 * with a longer one still accepts the session. Expired rows are removed when this is opened and
 * every {@link #PRUNE_EVERY}.
 *
 * <p>The store and the announcements hold only the SHA-256 of a session id, never the id: the id is
 * part of a bearer credential, and the console derives its forms' CSRF tokens from it.
 *
 * <p>Thread-safe. {@link #refuses} takes no lock and does no I/O.
 */
public final class SessionSignOuts implements AutoCloseable {

  /** The change feed's channel on which sign-outs are announced. */
  public static final String CHANNEL = "vigil_session_sign_outs";

  /** How often sign-outs that could not be stored are tried again. */
  static final Duration RETRY_EVERY = Duration.ofSeconds(30);

  /**
   * How often the nodes of a PostgreSQL store reread every sign-out, in case the feed's connection
   * died without an error (a peer gone without closing it), when announcements are lost unseen.
   */
  static final Duration REREAD_EVERY = Duration.ofMinutes(5);

  /** How often expired sign-outs are removed, from the store and from memory. */
  static final Duration PRUNE_EVERY = Duration.ofHours(1);

  private static final Logger log = LoggerFactory.getLogger(SessionSignOuts.class);
  private static final Pattern REALM = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
  private static final long CLOSE_WAIT_SECONDS = 5;

  /** One sign-out: the SHA-256 of the id, the session's start and its absolute expiry (epoch s). */
  private record SignOut(String hash, long issued, long until) {}

  private final Store store;
  private final String realm;
  private final long lifetime;
  private final InstantSource clock;

  /** SHA-256 of the id to the last second at which the session is refused. */
  private final Map<String, Long> refused = new ConcurrentHashMap<>();

  /** Sign-outs refused here that the store does not have yet; touched only by the writer. */
  private final Map<String, SignOut> unsaved = new ConcurrentHashMap<>();

  private final ScheduledThreadPoolExecutor writer;
  private volatile ChangeFeed feed;

  private SessionSignOuts(Store store, String realm, Duration lifetime, InstantSource clock) {
    this.store = store;
    this.realm = realm;
    this.lifetime = lifetime.toSeconds();
    this.clock = clock;
    if (store == null) {
      this.writer = null;
      return;
    }
    this.writer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "vigil-sign-outs-" + realm);
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Reads the realm's sign-outs from the store (removing the expired ones first), follows those
   * made by the other nodes of a PostgreSQL store, and starts storing this node's.
   *
   * @param realm whose sessions: a lowercase word such as {@code gateway} or {@code console}
   * @param lifetime the absolute session lifetime on this node
   * @throws StoreException when the store cannot be read; nothing is started then
   * @throws IllegalArgumentException when {@code realm} is not a lowercase word
   */
  public static SessionSignOuts open(
      Store store, String realm, Duration lifetime, InstantSource clock) {
    if (realm == null || !REALM.matcher(realm).matches()) {
      throw new IllegalArgumentException(
          "session realm \"" + realm + "\" is not a lowercase word of at most 32 characters");
    }
    SessionSignOuts s = new SessionSignOuts(store, realm, lifetime, clock);
    try {
      s.prune();
      s.reread();
    } catch (RuntimeException e) {
      s.writer.shutdownNow();
      throw e;
    }
    long retry = RETRY_EVERY.toSeconds();
    long prune = PRUNE_EVERY.toSeconds();
    s.writer.scheduleWithFixedDelay(s::retryUnsaved, retry, retry, TimeUnit.SECONDS);
    s.writer.scheduleWithFixedDelay(s::pruneLogged, prune, prune, TimeUnit.SECONDS);
    if (store.dialect() == Dialect.POSTGRESQL) {
      long reread = REREAD_EVERY.toSeconds();
      s.writer.scheduleWithFixedDelay(s::rereadLogged, reread, reread, TimeUnit.SECONDS);
    }
    s.feed = ChangeFeed.follow(store, CHANNEL, s::onEvent);
    return s;
  }

  /**
   * Returns sign-outs kept by this process only and forgotten when it ends: for a codec that has no
   * store, such as in tests. {@code vigil up} always opens them from its store.
   */
  public static SessionSignOuts inMemory(InstantSource clock) {
    return new SessionSignOuts(null, "memory", Duration.ZERO, clock);
  }

  /** Returns true when the session with this id has been signed out. No I/O. */
  public boolean refuses(String sessionId) {
    return refused.containsKey(hash(sessionId));
  }

  /**
   * Signs a session out: this node refuses it from now on, and once stored every node does.
   *
   * @param issued when the session began (epoch seconds)
   * @param until its absolute expiry (epoch seconds), after which every node sharing the store
   *     refuses it anyway: the session's own, not this node's lifetime from {@code issued} (see the
   *     class comment)
   * @return completes, never exceptionally, once the sign-out is stored ({@code true}) or could not
   *     be ({@code false}: this node refuses the session all the same, and keeps trying to store
   *     it); in memory, completes at once with {@code true}
   */
  public CompletableFuture<Boolean> signOut(String sessionId, long issued, long until) {
    SignOut s = new SignOut(hash(sessionId), issued, until);
    refused.merge(s.hash(), keptUntil(s), Math::max);
    if (store == null) {
      long now = clock.instant().getEpochSecond();
      refused.values().removeIf(u -> u < now);
      return CompletableFuture.completedFuture(true);
    }
    CompletableFuture<Boolean> stored = new CompletableFuture<>();
    try {
      writer.execute(() -> stored.complete(save(s)));
    } catch (RejectedExecutionException e) {
      log.error(
          "session sign-out not stored, this node is closing: realm={} session_sha256={}",
          realm,
          s.hash().substring(0, 12));
      stored.complete(false);
    }
    return stored;
  }

  /** Stores and announces a sign-out; on failure keeps it to retry. Runs on the writer. */
  private boolean save(SignOut s) {
    try {
      insert(s);
    } catch (RuntimeException e) {
      // Any failure, not only the store's: the caller waits for an answer, and a periodic retry
      // that threw would never run again.
      unsaved.put(s.hash(), s);
      log.error(
          "session sign-out not stored, refused by this node only until stored: realm={}"
              + " session_sha256={} retry_in={}s: {}",
          realm,
          s.hash().substring(0, 12),
          RETRY_EVERY.toSeconds(),
          e.getMessage());
      return false;
    }
    unsaved.remove(s.hash());
    return true;
  }

  /**
   * Stores a sign-out and, on PostgreSQL, announces it in the same transaction: a sign-out stored
   * is always announced, and one announced is always stored.
   */
  private void insert(SignOut s) {
    store
        .bounded()
        .run(
            "store a session sign-out",
            c -> {
              Store.begin(c);
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO session_sign_outs (realm, id_sha256, issued_s, until_s) VALUES"
                          + " (?,?,?,?) ON CONFLICT (realm, id_sha256) DO NOTHING")) {
                ps.setString(1, realm);
                ps.setString(2, s.hash());
                ps.setLong(3, s.issued());
                ps.setLong(4, s.until());
                ps.executeUpdate();
                if (store.dialect() == Dialect.POSTGRESQL) {
                  ChangeFeed.publish(
                      c,
                      CHANNEL,
                      "signed-out",
                      realm,
                      s.hash(),
                      Long.toString(s.issued()),
                      Long.toString(s.until()));
                }
                c.commit();
              } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
              } finally {
                c.setAutoCommit(true);
              }
              return null;
            });
  }

  /** Stores again the sign-outs that could not be; runs on the writer (and in tests). */
  void retryUnsaved() {
    long now = clock.instant().getEpochSecond();
    for (SignOut s : List.copyOf(unsaved.values())) {
      if (keptUntil(s) < now) {
        unsaved.remove(s.hash());
      } else if (save(s)) {
        log.info(
            "session sign-out stored after a failure: realm={} session_sha256={}",
            realm,
            s.hash().substring(0, 12));
      } else {
        // The store is still out of reach: the next round tries them all again.
        return;
      }
    }
  }

  private void onEvent(List<String> event) {
    if (event.equals(List.of(ChangeFeed.RESYNC))) {
      reread();
      return;
    }
    if (event.size() != 5 || !event.get(0).equals("signed-out") || !event.get(1).equals(realm)) {
      return;
    }
    // A malformed number throws: the feed then reconnects and rereads the table.
    SignOut s =
        new SignOut(event.get(2), Long.parseLong(event.get(3)), Long.parseLong(event.get(4)));
    refused.merge(s.hash(), keptUntil(s), Math::max);
  }

  /**
   * Adds every unexpired sign-out of the realm in the store to this node's set.
   *
   * @throws StoreException when the store cannot be read; the set is unchanged then
   */
  void reread() {
    long now = clock.instant().getEpochSecond();
    List<SignOut> stored = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id_sha256, issued_s, until_s FROM session_sign_outs WHERE realm = ?")) {
      ps.setString(1, realm);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          stored.add(new SignOut(rs.getString(1), rs.getLong(2), rs.getLong(3)));
        }
      }
    } catch (SQLException e) {
      throw new StoreException(
          "cannot read the session sign-outs of " + realm + ": " + Store.firstLine(e.getMessage()),
          e);
    }
    for (SignOut s : stored) {
      if (keptUntil(s) >= now) {
        refused.merge(s.hash(), keptUntil(s), Math::max);
      }
    }
  }

  /**
   * Removes the realm's expired sign-outs from the store and from memory.
   *
   * @throws StoreException when the store cannot be written
   */
  void prune() {
    long now = clock.instant().getEpochSecond();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM session_sign_outs WHERE realm = ? AND until_s < ? AND issued_s < ?")) {
      ps.setString(1, realm);
      ps.setLong(2, now);
      ps.setLong(3, now - lifetime);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(
          "cannot remove expired session sign-outs: " + Store.firstLine(e.getMessage()), e);
    }
    refused.values().removeIf(u -> u < now);
  }

  private void rereadLogged() {
    try {
      reread();
    } catch (RuntimeException e) {
      log.warn("{}, trying again in {}", e.getMessage(), REREAD_EVERY);
    }
  }

  private void pruneLogged() {
    try {
      prune();
    } catch (RuntimeException e) {
      log.warn("{} (realm {}), trying again in {}", e.getMessage(), realm, PRUNE_EVERY);
    }
  }

  /** The last second at which this node must refuse the session (see the class comment). */
  private long keptUntil(SignOut s) {
    return Math.max(s.until(), s.issued() + lifetime);
  }

  /** Returns how many sign-outs this node refuses (for tests and metrics). */
  public int size() {
    return refused.size();
  }

  static String hash(String sessionId) {
    return Sha256.hex(sessionId);
  }

  /** Stops following and storing, once the sign-outs already made are stored (a few seconds). */
  @Override
  public void close() {
    if (store == null) {
      return;
    }
    ChangeFeed f = feed;
    if (f != null) {
      f.close();
    }
    writer.shutdown();
    try {
      writer.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!unsaved.isEmpty()) {
      log.error(
          "session sign-outs never stored, forgotten at exit: realm={} count={}",
          realm,
          unsaved.size());
    }
  }
}
