package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Hands every decision of a time window to a consumer, a few batches at a time, for analyses that
 * look at all of a window's traffic rather than a page of it.
 *
 * <p>Unlike {@link DecisionReader#list}, no list is built: memory stays at {@link
 * DecisionReader#PAGE} decoded batches whatever the window holds. Batches are read newest first by
 * number; the rows written before batches follow, by number as well. Decisions come in no strict
 * time order (nodes of a shared store commit batches whose times overlap), so a consumer must not
 * rely on one.
 */
public final class DecisionScan {

  /** Rows of the table written before batches read per statement. */
  static final int LEGACY_PAGE = 500;

  private final Store store;

  public DecisionScan(Store store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  /**
   * Hands each decision made at or after {@code since} and before {@code until} to {@code each}.
   *
   * @param route only decisions of this route, or null for all
   * @throws StoreException when the store cannot be read; {@code each} may have seen some by then
   */
  public void forEach(Instant since, Instant until, String route, Consumer<DecisionRecord> each) {
    forEach(since, until, route, null, each);
  }

  /**
   * As {@link #forEach(Instant, Instant, String, Consumer)}, only the decisions about {@code
   * subject} as logged ({@link DecisionRecord#subject}), or all when null; the store finds the
   * batches that hold one by their keys, so a subject's few decisions in a long window are read
   * without reading the others.
   */
  public void forEach(
      Instant since, Instant until, String route, String subject, Consumer<DecisionRecord> each) {
    Objects.requireNonNull(each, "each");
    forEachWhile(
        since,
        until,
        route,
        subject,
        r -> {
          each.accept(r);
          return true;
        });
  }

  /**
   * As {@link #forEach}, until {@code each} answers false: then the scan stops, and reads nothing
   * more.
   *
   * @return true when every decision of the window was handed over, false when {@code each} stopped
   *     the scan
   * @throws StoreException when the store cannot be read; {@code each} may have seen some by then
   */
  public boolean forEachWhile(
      Instant since, Instant until, String route, Predicate<DecisionRecord> each) {
    return forEachWhile(since, until, route, null, each);
  }

  private boolean forEachWhile(
      Instant since, Instant until, String route, String subject, Predicate<DecisionRecord> each) {
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(until, "until");
    Objects.requireNonNull(each, "each");
    long from = DecisionLog.micros(since);
    long to = DecisionLog.micros(until);
    try (Connection c = store.dataSource().getConnection()) {
      long before = Long.MAX_VALUE;
      boolean more = true;
      while (more) {
        int rows = 0;
        try (PreparedStatement ps = batchQuery(c, from, to, route, subject, before);
            ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows++;
            before = rs.getLong(1);
            for (DecisionRecord r : DecisionBatch.decode(before, rs.getBytes(2))) {
              if (within(r, since, until, route, subject) && !each.test(r)) {
                return false;
              }
            }
          }
        }
        more = rows == DecisionReader.PAGE;
      }
      return legacy(c, from, to, route, subject, each);
    } catch (SQLException e) {
      throw new StoreException("cannot read decisions: " + Store.firstLine(e.getMessage()), e);
    }
  }

  private static boolean within(
      DecisionRecord r, Instant since, Instant until, String route, String subject) {
    return !r.timestamp().isBefore(since)
        && r.timestamp().isBefore(until)
        && (route == null || route.equals(r.route()))
        && (subject == null || subject.equals(r.subject()));
  }

  /** Batches numbered below {@code before} whose times reach into the window, newest first. */
  private static PreparedStatement batchQuery(
      Connection c, long from, long to, String route, String subject, long before)
      throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT b.seq, e.events FROM decision_batches b");
    sql.append(" JOIN decision_events e ON e.batch = b.seq WHERE b.seq < ?");
    params.add(before);
    if (route != null) {
      sql.append(" AND EXISTS (SELECT 1 FROM decision_keys k WHERE k.key = ? AND k.batch = b.seq)");
      params.add(DecisionBatch.routeKey(route));
    }
    if (subject != null) {
      sql.append(" AND EXISTS (SELECT 1 FROM decision_keys k WHERE k.key = ? AND k.batch = b.seq)");
      params.add(DecisionBatch.subjectKey(subject));
    }
    sql.append(" AND b.max_ts_us >= ? AND b.min_ts_us < ?");
    params.add(from);
    params.add(to);
    sql.append(" ORDER BY b.seq DESC LIMIT ").append(DecisionReader.PAGE);
    return prepare(c, sql.toString(), params);
  }

  /** The rows written before batches, a page at a time by their number. */
  private boolean legacy(
      Connection c,
      long from,
      long to,
      String route,
      String subject,
      Predicate<DecisionRecord> each)
      throws SQLException {
    if (store.dialect() == Dialect.POSTGRESQL
        && ((route != null && route.indexOf(0) >= 0)
            || (subject != null && subject.indexOf(0) >= 0))) {
      return true; // PostgreSQL text holds no NUL: no such row was ever written there
    }
    long after = Long.MIN_VALUE;
    boolean more = true;
    while (more) {
      List<Object> params = new ArrayList<>(List.of(after, from, to));
      String sql =
          "SELECT seq, decision_id, ts_us, path, subject, route, allowed, mode, enforced, node,"
              + " event FROM decisions WHERE seq > ? AND ts_us >= ? AND ts_us < ?";
      if (route != null) {
        sql += " AND route = ?";
        params.add(route);
      }
      if (subject != null) {
        sql += " AND subject = ?";
        params.add(subject);
      }
      sql += " ORDER BY seq LIMIT " + LEGACY_PAGE;
      int rows = 0;
      try (PreparedStatement ps = prepare(c, sql, params);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows++;
          after = rs.getLong(1);
          long us = rs.getLong(3);
          DecisionRecord r =
              new DecisionRecord(
                  rs.getString(2),
                  Instant.ofEpochSecond(
                      Math.floorDiv(us, 1_000_000), Math.floorMod(us, 1_000_000) * 1_000L),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6),
                  rs.getBoolean(7),
                  rs.getString(8),
                  rs.getBoolean(9),
                  rs.getString(10),
                  rs.getString(11));
          if (!each.test(r)) {
            return false;
          }
        }
      }
      more = rows == LEGACY_PAGE;
    }
    return true;
  }

  private static PreparedStatement prepare(Connection c, String sql, List<Object> params)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    try {
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
      return ps;
    } catch (SQLException e) {
      ps.close();
      throw e;
    }
  }
}
