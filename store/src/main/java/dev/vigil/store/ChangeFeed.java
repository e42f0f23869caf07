package dev.vigil.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes pushed between nodes that share one PostgreSQL database, through LISTEN/NOTIFY
 * (DESIGN.md, "Storage and scale"), on a channel per kind of state (identity changes, route modes).
 *
 * <p>A node that makes a change stores it, then sends {@code pg_notify} on the channel with the
 * schema and the words of the change; every node following the channel holds one dedicated
 * connection that listens, and ignores notifications of other schemas (channels are database-wide,
 * schemas are not). A notification can be lost while a listener reconnects, so every (re)connect is
 * reported as a {@code resync} event, on which the caller rereads the state from the store. Events
 * are delivered one at a time, in the order received, on the follower's own thread, named after the
 * channel ({@code vigil_identity} follows on {@code vigil-identity-feed}). With SQLite, a
 * single-node store, nothing is sent or followed. Thread-safe.
 */
public final class ChangeFeed implements AutoCloseable {

  /** The event every follower receives after each (re)connect: reread the state. */
  public static final String RESYNC = "resync";

  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
  private static final Pattern CHANNEL = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final int POLL_MILLIS = 250;

  /** How often a feed that keeps failing says so again. */
  static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private final Store store;
  private final String channel;
  private final Consumer<List<String>> onEvent;
  private final Thread thread;
  private volatile boolean closed;

  /** Failures in a row, when the first was and when the last warning was (feed thread only). */
  private int failures;

  private long failingSince;
  private long lastWarned;

  private ChangeFeed(Store store, String channel, Consumer<List<String>> onEvent) {
    this.store = store;
    this.channel = channel;
    this.onEvent = onEvent;
    this.thread = new Thread(this::run, channel.replace('_', '-') + "-feed");
    thread.setDaemon(true);
  }

  /**
   * Sends one change, such as {@code [revoked, prod.example, 1f3a]}, to the nodes following {@code
   * channel}; does nothing on SQLite. Call it once the change is stored. A failure is logged, not
   * thrown: the change is stored, and nodes that miss the push see it at their next resync.
   *
   * @throws IllegalArgumentException when {@code channel} is not a lowercase SQL identifier or
   *     {@code event} is empty
   */
  public static void publish(Store store, String channel, String... event) {
    checkChannel(channel);
    if (event.length == 0) {
      throw new IllegalArgumentException("change on channel " + channel + " has no words");
    }
    if (store.dialect() != Dialect.POSTGRESQL) {
      return;
    }
    try (Connection c = store.dataSource().getConnection()) {
      publish(c, channel, event);
    } catch (SQLException e) {
      log.warn("cannot notify other nodes of {} on {}: {}", event[0], channel, e.getMessage());
    }
  }

  /**
   * Sends one change on {@code c}, a PostgreSQL connection: inside a transaction, PostgreSQL sends
   * it only if and when the transaction commits, so a change and its announcement go together.
   *
   * @throws SQLException when it cannot be sent
   */
  static void publish(Connection c, String channel, String... event) throws SQLException {
    checkChannel(channel);
    try (PreparedStatement ps =
        c.prepareStatement("SELECT pg_notify(?, current_schema() || ' ' || ?)")) {
      ps.setString(1, channel);
      ps.setString(2, String.join(" ", event));
      ps.execute();
    }
  }

  /**
   * Follows changes made by any node on {@code channel}, this one included, calling {@code onEvent}
   * with the words of each, or {@code [resync]} after every (re)connect. When {@code onEvent}
   * throws, the feed logs it, reconnects after a second and sends {@code resync} again, so a failed
   * reread is retried. On SQLite nothing is followed and {@code onEvent} is never called.
   *
   * @return the running feed; closing it stops following
   * @throws IllegalArgumentException when {@code channel} is not a lowercase SQL identifier
   */
  public static ChangeFeed follow(Store store, String channel, Consumer<List<String>> onEvent) {
    checkChannel(channel);
    ChangeFeed feed = new ChangeFeed(store, channel, onEvent);
    if (store.dialect() == Dialect.POSTGRESQL) {
      feed.thread.start();
    }
    return feed;
  }

  /** The channel goes into LISTEN unquoted, so it must be a plain identifier. */
  private static void checkChannel(String channel) {
    if (channel == null || !CHANNEL.matcher(channel).matches()) {
      throw new IllegalArgumentException(
          "change feed channel \""
              + channel
              + "\" is not a lowercase SQL identifier of at most 63 characters");
    }
  }

  private void run() {
    while (!closed) {
      try (Connection c = DriverManager.getConnection(store.location().jdbcUrl())) {
        String schema = listen(c);
        onEvent.accept(List.of(RESYNC));
        recovered();
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] got = pg.getNotifications(POLL_MILLIS);
          for (PGNotification n : got == null ? new PGNotification[0] : got) {
            deliver(schema, n.getParameter());
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          failed(e);
          pause();
        }
      }
    }
  }

  /**
   * Logs a failure: the first of a run as a warning, then one warning every {@link #WARN_EVERY}
   * while the feed keeps failing, not one a second as it reconnects; each try between them at debug
   * level.
   */
  private void failed(Exception e) {
    long now = System.nanoTime();
    failures++;
    if (failures == 1) {
      failingSince = now;
      lastWarned = now;
      log.warn("change feed {} failed, reconnecting every second: {}", channel, e.getMessage());
    } else if (now - lastWarned >= WARN_EVERY.toNanos()) {
      lastWarned = now;
      log.warn(
          "change feed {} still failing after {} s ({} tries), reconnecting every second: {}",
          channel,
          (now - failingSince) / 1_000_000_000L,
          failures,
          e.getMessage());
    } else {
      log.debug("change feed {} failed again ({} tries): {}", channel, failures, e.getMessage());
    }
  }

  /** Ends a run of failures, once connected and caught up. */
  private void recovered() {
    if (failures > 0) {
      log.info(
          "change feed {} reconnected after {} s ({} tries)",
          channel,
          (System.nanoTime() - failingSince) / 1_000_000_000L,
          failures);
      failures = 0;
    }
  }

  private String listen(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + channel);
      try (ResultSet rs = s.executeQuery("SELECT current_schema()")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private void deliver(String schema, String payload) {
    List<String> words = List.of(payload.split(" "));
    if (words.size() < 2 || !words.getFirst().equals(schema)) {
      return;
    }
    onEvent.accept(words.subList(1, words.size()));
  }

  private void pause() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}
