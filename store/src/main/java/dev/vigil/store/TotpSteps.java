package dev.vigil.store;

import java.sql.PreparedStatement;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last time step at which each TOTP secret's code was accepted, so that a code is accepted once
 * (RFC 6238 section 5.2): a code seen over a shoulder, or sent twice, is refused the second time,
 * and so is any code of the same or an earlier step.
 *
 * <p>Opened on a store, the steps are shared by every node of a PostgreSQL store and by the
 * gateway's and the console's sign-ins, which each check the same user's codes; kept in memory, one
 * process's sign-ins share them. A secret is named by the SHA-256 of its user and its secret, so a
 * changed secret starts afresh and the store holds neither.
 *
 * <p>Taking a step is one statement that moves the step forward only ({@code INSERT ... ON CONFLICT
 * DO UPDATE ... WHERE step < new}): of two nodes taking the same step at once, exactly one gets it.
 * Thread-safe; with a store, {@link #take} does I/O and is not for an event loop.
 */
public final class TotpSteps {

  private final Store store;
  private final BoundedCalls calls;
  private final InstantSource clock;
  private final Map<String, Long> memory = new ConcurrentHashMap<>();

  private TotpSteps(Store store, InstantSource clock) {
    this.store = store;
    this.calls = store == null ? null : store.bounded();
    this.clock = clock;
  }

  /** Steps kept in the store, shared by every node and sign-in that uses it. */
  public static TotpSteps open(Store store, InstantSource clock) {
    return new TotpSteps(store, clock);
  }

  /** Steps kept by this process only, and forgotten when it ends: for tests and stores-less use. */
  public static TotpSteps inMemory() {
    return new TotpSteps(null, InstantSource.system());
  }

  /**
   * Takes a step of a user's secret: true when it is later than every step taken before for that
   * user and secret, false when the code was already used (this step or a later one was taken).
   *
   * @throws StoreException naming the cause when the store cannot be asked, or did not answer
   *     within a few seconds, or did not answer a call shortly before (see {@link BoundedCalls});
   *     the code must then be refused, as its use cannot be recorded
   */
  public boolean take(String user, String secret, long step) {
    String key = key(user, secret);
    if (store == null) {
      boolean[] taken = new boolean[1];
      memory.compute(
          key,
          (k, before) -> {
            if (before != null && before >= step) {
              return before;
            }
            taken[0] = true;
            return step;
          });
      return taken[0];
    }
    return calls.run(
        "record the one-time code's use",
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO totp_steps (key_sha256, step, used_at_s) VALUES (?,?,?)"
                      + " ON CONFLICT (key_sha256) DO UPDATE SET step = excluded.step,"
                      + " used_at_s = excluded.used_at_s WHERE totp_steps.step < excluded.step")) {
            ps.setString(1, key);
            ps.setLong(2, step);
            ps.setLong(3, clock.instant().getEpochSecond());
            return ps.executeUpdate() == 1;
          }
        });
  }

  /** The hex SHA-256 of the user and the secret, each after its length. */
  static String key(String user, String secret) {
    return Sha256.hex(user.length() + ":" + user + secret.length() + ":" + secret);
  }
}
