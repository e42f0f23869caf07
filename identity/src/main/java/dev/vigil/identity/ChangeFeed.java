package dev.vigil.identity;

import dev.vigil.store.Dialect;
import dev.vigil.store.Store;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Identity changes (revoked serials, deleted and created entries) pushed between nodes that share
 * one PostgreSQL database, through LISTEN/NOTIFY (DESIGN.md, "Storage and scale").
 *
 * <p>A node that makes a change sends {@code pg_notify} on the channel {@value #CHANNEL} with the
 * schema, the kind of change and its arguments; every node following the feed holds one dedicated
 * connection that listens, and ignores notifications of other schemas (channels are database-wide,
 * schemas are not). A notification can be lost while a listener reconnects, so every (re)connect is
 * reported as a {@code resync} event, on which the caller rereads the state. With SQLite, a
 * single-node store, nothing is sent or followed. Thread-safe.
 */
final class ChangeFeed implements AutoCloseable {

  static final String CHANNEL = "vigil_identity";
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);
  private static final int POLL_MILLIS = 250;

  private final Store store;
  private final Consumer<List<String>> onEvent;
  private final Thread thread;
  private volatile boolean closed;

  private ChangeFeed(Store store, Consumer<List<String>> onEvent) {
    this.store = store;
    this.onEvent = onEvent;
    this.thread = new Thread(this::run, "vigil-identity-feed");
    thread.setDaemon(true);
  }

  /** Sends one change to the other nodes; does nothing on SQLite. */
  static void publish(Store store, String... event) {
    if (store.dialect() != Dialect.POSTGRESQL) {
      return;
    }
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT pg_notify(?, current_schema() || ' ' || ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, String.join(" ", event));
      ps.execute();
    } catch (SQLException e) {
      // The change is stored; nodes that miss the push see it at their next reload.
      log.warn("cannot notify other nodes of {}: {}", event[0], e.getMessage());
    }
  }

  /**
   * Follows changes made by any node, calling {@code onEvent} with the words of each, such as
   * {@code [revoked, prod.example, 1f3a]}, or {@code [resync]} after every (re)connect.
   */
  static ChangeFeed follow(Store store, Consumer<List<String>> onEvent) {
    ChangeFeed feed = new ChangeFeed(store, onEvent);
    if (store.dialect() == Dialect.POSTGRESQL) {
      feed.thread.start();
    }
    return feed;
  }

  private void run() {
    while (!closed) {
      try (Connection c = DriverManager.getConnection(store.location().jdbcUrl())) {
        String schema = listen(c);
        onEvent.accept(List.of("resync"));
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] got = pg.getNotifications(POLL_MILLIS);
          for (PGNotification n : got == null ? new PGNotification[0] : got) {
            deliver(schema, n.getParameter());
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (!closed) {
          log.warn("identity change feed lost its connection, reconnecting: {}", e.getMessage());
          pause();
        }
      }
    }
  }

  private static String listen(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("LISTEN " + CHANNEL);
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
