package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads decisions back from the store: lists with filters, and one decision by id.
 *
 * <p>Decisions are stored by batch (see {@link DecisionBatch}): a search picks the batches that can
 * hold a match (by key, by the denied count, by time), newest first, decodes them and keeps the
 * decisions that match the filter exactly. Decisions stored one per row before batches existed (the
 * {@code decisions} table) are older than every batch and are read after them.
 */
public final class DecisionReader {

  private static final String LEGACY_COLUMNS =
      "decision_id, ts_us, path, subject, route, allowed, mode, enforced, node, event";

  private final Store store;

  public DecisionReader(Store store) {
    this.store = store;
  }

  /** Returns a scan of the same store, for reading whole windows (see {@link DecisionScan}). */
  public DecisionScan scan() {
    return new DecisionScan(store);
  }

  /** Batches read per statement while a list fills. */
  static final int PAGE = 16;

  /** Lists decisions, newest first. */
  public List<DecisionRecord> list(DecisionFilter f) {
    int limit = Math.max(1, f.limit());
    List<DecisionRecord> out = new ArrayList<>(Math.min(limit, 1_000));
    long before = Long.MAX_VALUE;
    try (Connection c = store.dataSource().getConnection()) {
      // A page of batches at a time, newest first, until the list is full or none are left.
      boolean more = true;
      while (more && out.size() < limit) {
        int rows = 0;
        try (PreparedStatement ps = prepare(c, listQuery(f, before));
            ResultSet rs = ps.executeQuery()) {
          while (out.size() < limit && rs.next()) {
            rows++;
            before = rs.getLong(1);
            List<DecisionRecord> batch = DecisionBatch.decode(before, rs.getBytes(2));
            for (int i = batch.size() - 1; i >= 0 && out.size() < limit; i--) {
              if (matches(f, batch.get(i))) {
                out.add(batch.get(i));
              }
            }
          }
        }
        more = rows == PAGE;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read decisions: " + Store.firstLine(e.getMessage()), e);
    }
    if (out.size() < limit && legacyCanHold(f.path(), f.subject(), f.route())) {
      Query legacy = legacyListQuery(f, limit - out.size());
      out.addAll(legacy(legacy.sql(), legacy.params()));
    }
    return out;
  }

  /** A statement and its parameters. */
  record Query(String sql, List<Object> params) {}

  /**
   * Returns the statement {@link #list} runs over batches for the filter: batch number and record
   * of at most {@link #PAGE} batches numbered below {@code before}, newest first. A key filter
   * drives the search from the key index; without one, the small batch rows are scanned newest
   * first (through the partial index when only denied ones are wanted).
   */
  Query listQuery(DecisionFilter f, long before) {
    List<String> keys = new ArrayList<>();
    if (f.path() != null) {
      keys.add(DecisionBatch.pathKey(f.path()));
    }
    if (f.subject() != null) {
      keys.add(DecisionBatch.subjectKey(f.subject()));
    }
    if (f.route() != null) {
      keys.add(DecisionBatch.routeKey(f.route()));
    }
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT b.seq, e.events FROM ");
    String order;
    if (keys.isEmpty()) {
      sql.append("decision_batches b JOIN decision_events e ON e.batch = b.seq WHERE b.seq < ?");
      params.add(before);
      order = "b.seq";
    } else {
      sql.append(
          "decision_keys k JOIN decision_batches b ON b.seq = k.batch"
              + " JOIN decision_events e ON e.batch = b.seq WHERE k.key = ? AND k.batch < ?");
      params.add(keys.get(0));
      params.add(before);
      for (String other : keys.subList(1, keys.size())) {
        sql.append(
            " AND EXISTS (SELECT 1 FROM decision_keys o WHERE o.key = ? AND o.batch = k.batch)");
        params.add(other);
      }
      order = "k.batch";
    }
    if (f.deniedOnly()) {
      sql.append(" AND b.denied > 0");
    }
    if (f.since() != null) {
      sql.append(" AND b.max_ts_us >= ?");
      params.add(DecisionLog.micros(f.since()));
    }
    sql.append(" ORDER BY ").append(order).append(" DESC LIMIT ").append(PAGE);
    return new Query(sql.toString(), params);
  }

  private static boolean matches(DecisionFilter f, DecisionRecord r) {
    return (f.since() == null || !r.timestamp().isBefore(f.since()))
        && (!f.deniedOnly() || r.denied())
        && (f.path() == null || f.path().equals(r.path()))
        && (f.subject() == null || f.subject().equals(r.subject()))
        && (f.route() == null || f.route().equals(r.route()));
  }

  /**
   * Whether rows written before batches can hold these values: PostgreSQL text holds no NUL (and
   * refuses a parameter with one), so no such row was ever written there.
   */
  private boolean legacyCanHold(String... values) {
    if (store.dialect() != Dialect.POSTGRESQL) {
      return true;
    }
    for (String v : values) {
      if (v != null && v.indexOf(0) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** The statement over the rows written before batches, for the rest of the list. */
  private Query legacyListQuery(DecisionFilter f, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + LEGACY_COLUMNS + " FROM decisions WHERE 1=1");
    List<Object> params = new ArrayList<>();
    if (f.since() != null) {
      sql.append(" AND ts_us >= ?");
      params.add(DecisionLog.micros(f.since()));
    }
    if (f.deniedOnly()) {
      // As DecisionRecord.denied: an observe-mode record let through unevaluated is no denial.
      sql.append(
          store.dialect() == Dialect.POSTGRESQL
              ? " AND NOT allowed AND (enforced OR mode <> 'observe')"
              : " AND allowed = 0 AND (enforced = 1 OR mode <> 'observe')");
    }
    if (f.path() != null) {
      sql.append(" AND path = ?");
      params.add(f.path());
    }
    if (f.subject() != null) {
      sql.append(" AND subject = ?");
      params.add(f.subject());
    }
    if (f.route() != null) {
      sql.append(" AND route = ?");
      params.add(f.route());
    }
    sql.append(" ORDER BY seq DESC LIMIT ?");
    params.add(limit);
    return new Query(sql.toString(), params);
  }

  /**
   * Returns one decision by id. Should an id have been logged twice, the one in the earliest batch
   * is returned; rows written before batches are looked at only when no batch holds the id.
   */
  public Optional<DecisionRecord> get(String decisionId) {
    Objects.requireNonNull(decisionId, "decisionId");
    Query q =
        new Query(
            "SELECT e.batch, e.events FROM decision_keys k"
                + " JOIN decision_events e ON e.batch = k.batch WHERE k.key = ? ORDER BY k.batch",
            List.of(DecisionBatch.idKey(decisionId)));
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = prepare(c, q);
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        for (DecisionRecord r : DecisionBatch.decode(rs.getLong(1), rs.getBytes(2))) {
          if (r.decisionId().equals(decisionId)) {
            return Optional.of(r);
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read decisions: " + Store.firstLine(e.getMessage()), e);
    }
    if (!legacyCanHold(decisionId)) {
      return Optional.empty();
    }
    return legacy(
            "SELECT " + LEGACY_COLUMNS + " FROM decisions WHERE decision_id = ?",
            List.of(decisionId))
        .stream()
        .findFirst();
  }

  /** Returns how many decisions are stored. */
  public long count() {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT (SELECT COALESCE(SUM(size), 0) FROM decision_batches)"
                    + " + (SELECT COUNT(*) FROM decisions)");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot count decisions: " + Store.firstLine(e.getMessage()), e);
    }
  }

  private static PreparedStatement prepare(Connection c, Query q) throws SQLException {
    PreparedStatement ps = c.prepareStatement(q.sql());
    try {
      for (int i = 0; i < q.params().size(); i++) {
        ps.setObject(i + 1, q.params().get(i));
      }
      return ps;
    } catch (SQLException e) {
      ps.close();
      throw e;
    }
  }

  private List<DecisionRecord> legacy(String sql, List<Object> params) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = prepare(c, new Query(sql, params))) {
      List<DecisionRecord> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long us = rs.getLong(2);
          out.add(
              new DecisionRecord(
                  rs.getString(1),
                  Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1_000),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getBoolean(6),
                  rs.getString(7),
                  rs.getBoolean(8),
                  rs.getString(9),
                  rs.getString(10)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read decisions: " + Store.firstLine(e.getMessage()), e);
    }
  }
}
