package dev.vigil.store;

import java.sql.PreparedStatement;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Single-use values (the state of an OpenID Connect sign-in) that have been used, each until it
 * would have expired anyway, so that a second use is refused.
 *
 * <p>Opened on a store, the values are shared by every node of a PostgreSQL store: a callback
 * replayed to another node is refused there too. Kept in memory, they are this process's only. A
 * value is stored as the SHA-256 of its text only. Using one is one insert that does nothing when
 * the value is there, so of two nodes using it at once exactly one succeeds; expired values are
 * removed as values are used. Thread-safe; with a store, {@link #use} does I/O and is not for an
 * event loop.
 */
public final class UsedOnce {

  private final BoundedCalls calls;
  private final InstantSource clock;
  private final Map<String, Long> memory = new ConcurrentHashMap<>();

  private UsedOnce(Store store, InstantSource clock) {
    this.calls = store == null ? null : store.bounded();
    this.clock = clock;
  }

  /** Values kept in the store, shared by every node that uses it. */
  public static UsedOnce open(Store store, InstantSource clock) {
    return new UsedOnce(store, clock);
  }

  /** Values kept by this process only, and forgotten when it ends. */
  public static UsedOnce inMemory(InstantSource clock) {
    return new UsedOnce(null, clock);
  }

  /**
   * Uses a value: true the first time, false when it was used before and has not expired.
   *
   * @param value the value, named with its kind (e.g. {@code oidc-state:<issuer>:<state>})
   * @param untilS when the value expires anyway (epoch seconds); it is kept until then
   * @throws StoreException naming the cause when the store cannot be asked, or did not answer
   *     within a few seconds or shortly before (a callback waits on it: {@link BoundedCalls}); the
   *     value must then be refused, as its use cannot be recorded
   */
  public boolean use(String value, long untilS) {
    long now = clock.instant().getEpochSecond();
    String key = Sha256.hex(value);
    if (calls == null) {
      memory.values().removeIf(until -> until < now);
      return memory.putIfAbsent(key, untilS) == null;
    }
    return calls.run(
        "record a single-use value's use",
        c -> {
          try (PreparedStatement prune =
              c.prepareStatement("DELETE FROM used_once WHERE until_s < ?")) {
            prune.setLong(1, now);
            prune.executeUpdate();
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO used_once (key_sha256, until_s) VALUES (?, ?)"
                      + " ON CONFLICT (key_sha256) DO NOTHING")) {
            ps.setString(1, key);
            ps.setLong(2, untilS);
            return ps.executeUpdate() == 1;
          }
        });
  }
}
