package dev.vigil.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failed sign-ins in a row, kept in the store so that every node sharing it counts the others'
 * failures: without it, an account could be tried its limit on each node behind a load balancer.
 *
 * <p>A failed sign-in is counted under two keys (its account and its client address), and each
 * method takes all the keys of one sign-in in one call to the store: a connection and a few
 * statements, not a call per key, so that a flood of failures costs the store as little as it can
 * ({@link #calls} counts them).
 *
 * <p>A key (an account or a client address, as the throttle names it) is stored as its hex SHA-256
 * only. Each failure is one statement that adds one to the key's count, or starts it afresh when
 * the count is forgotten (no failure and no lock for {@code forgetMs}), and returns the count; the
 * caller decides the lock from it and sets it with {@link #lock}, which only ever lengthens a lock.
 * Two nodes failing at once both count.
 *
 * <p>Rows forgotten are removed by a failure too, but at most once every {@link #PRUNE_EVERY} per
 * node (the first failure that comes after the interval, by the time it is given): a forgotten row
 * counts for nothing already (the next failure of its key starts afresh, and its lock is over), so
 * removing it is housekeeping, and doing it at every failure cost a statement per key, two per
 * failed sign-in. A forgotten row may so stay in the store up to an interval longer.
 *
 * <p>Every method does I/O and throws {@link StoreException} naming the cause when the store cannot
 * be reached, does not answer within a few seconds, or did not answer shortly before ({@link
 * BoundedCalls}: a sign-in waits on these calls). Thread-safe; not for an event loop.
 */
public final class SignInFailures {

  /** How often, at most, one node removes the forgotten rows. */
  static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

  private final BoundedCalls calls;
  private final AtomicLong made = new AtomicLong();

  /** The failure time (epoch ms) from which the next one removes the forgotten rows. */
  private final AtomicLong nextPruneMs = new AtomicLong(0);

  private SignInFailures(Store store) {
    this.calls = store.bounded();
  }

  /** The failures kept in {@code store}. */
  public static SignInFailures open(Store store) {
    return new SignInFailures(store);
  }

  /**
   * Returns the latest end of a lock of any of the keys (epoch milliseconds), or 0 when none of
   * them has one.
   */
  public long lockedUntil(List<String> keys) {
    return locks(keys).values().stream().mapToLong(Long::longValue).max().orElse(0);
  }

  /**
   * Returns the end of the lock of each of the keys that has one (epoch milliseconds), in one call;
   * the keys without a lock are left out.
   */
  public Map<String, Long> locks(List<String> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    Map<String, String> byHash = new HashMap<>();
    keys.forEach(k -> byHash.put(hash(k), k));
    String marks = String.join(",", Collections.nCopies(byHash.size(), "?"));
    return run(
        "read the failed sign-ins in the store",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT key_sha256, locked_until_ms FROM sign_in_failures WHERE locked_until_ms"
                      + " > 0 AND key_sha256 IN ("
                      + marks
                      + ")")) {
            int i = 1;
            for (String h : byHash.keySet()) {
              ps.setString(i++, h);
            }
            Map<String, Long> out = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.put(byHash.get(rs.getString(1)), rs.getLong(2));
              }
            }
            return out;
          }
        });
  }

  /**
   * Counts one failure of the key at {@code nowMs} and returns its failures in a row, this one
   * included: 1 when the key had none, or had not failed nor been locked for {@code forgetMs}.
   */
  public int fail(String key, long nowMs, long forgetMs) {
    return fail(List.of(key), nowMs, forgetMs)[0];
  }

  /**
   * Counts one failure of each key at {@code nowMs}, in one call, and returns their failures in a
   * row in the order of {@code keys}, as {@link #fail(String, long, long)} does for one.
   */
  public int[] fail(List<String> keys, long nowMs, long forgetMs) {
    long forgotten = nowMs - forgetMs;
    return run(
        "count the failed sign-ins in the store",
        c -> {
          if (pruneDue(nowMs)) {
            try (PreparedStatement prune =
                c.prepareStatement(
                    "DELETE FROM sign_in_failures WHERE last_ms <= ? AND locked_until_ms <= ?")) {
              prune.setLong(1, forgotten);
              prune.setLong(2, forgotten);
              prune.executeUpdate();
            }
          }
          int[] counts = new int[keys.size()];
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO sign_in_failures (key_sha256, failures, last_ms, locked_until_ms)"
                      + " VALUES (?, 1, ?, 0) ON CONFLICT (key_sha256) DO UPDATE SET failures ="
                      + " CASE WHEN sign_in_failures.last_ms <= ?"
                      + " AND sign_in_failures.locked_until_ms <= ? THEN 1"
                      + " ELSE sign_in_failures.failures + 1 END, last_ms = excluded.last_ms"
                      + " RETURNING failures")) {
            for (int i = 0; i < counts.length; i++) {
              ps.setString(1, hash(keys.get(i)));
              ps.setLong(2, nowMs);
              ps.setLong(3, forgotten);
              ps.setLong(4, forgotten);
              try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                counts[i] = rs.getInt(1);
              }
            }
          }
          return counts;
        });
  }

  /**
   * Returns true for the one caller that may remove the forgotten rows at {@code nowMs}, and moves
   * the next removal an interval on. A time more than an interval before the next removal (the
   * clock was set back) removes at once rather than wait for the old time to come again. A removal
   * that fails waits for the next interval too: the rows it left count for nothing, and the call
   * that carried it reports the failure.
   */
  private boolean pruneDue(long nowMs) {
    long every = PRUNE_EVERY.toMillis();
    long next = nextPruneMs.get();
    boolean due = nowMs >= next || next - nowMs > every;
    return due && nextPruneMs.compareAndSet(next, nowMs + every);
  }

  /** Locks the key until {@code untilMs}, unless it is locked longer already. */
  public void lock(String key, long untilMs) {
    lock(Map.of(key, untilMs));
  }

  /**
   * Locks each key until its time (epoch milliseconds), unless it is locked longer already, in one
   * call.
   */
  public void lock(Map<String, Long> untilMsByKey) {
    if (untilMsByKey.isEmpty()) {
      return;
    }
    run(
        "lock the failed sign-ins in the store",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE sign_in_failures SET locked_until_ms = ?"
                      + " WHERE key_sha256 = ? AND locked_until_ms < ?")) {
            for (Map.Entry<String, Long> e : untilMsByKey.entrySet()) {
              ps.setLong(1, e.getValue());
              ps.setString(2, hash(e.getKey()));
              ps.setLong(3, e.getValue());
              ps.executeUpdate();
            }
            return null;
          }
        });
  }

  /** Forgets the key's failures (a successful sign-in of the account). */
  public void clear(String key) {
    run(
        "clear the failed sign-ins in the store",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM sign_in_failures WHERE key_sha256 = ?")) {
            ps.setString(1, hash(key));
            return ps.executeUpdate();
          }
        });
  }

  /** Returns how many calls this has made to the store (for tests and metrics). */
  public long calls() {
    return made.get();
  }

  private <T> T run(String what, BoundedCalls.Call<T> call) {
    made.incrementAndGet();
    return calls.run(what, call);
  }

  static String hash(String key) {
    return Sha256.hex(key);
  }
}
