package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads decisions back from the store: lists with filters, and one decision by id. */
public final class DecisionReader {

  private static final String COLUMNS =
      "decision_id, ts_us, path, subject, route, allowed, mode, enforced, node, event";

  private final Store store;

  public DecisionReader(Store store) {
    this.store = store;
  }

  /** Lists decisions, newest first. */
  public List<DecisionRecord> list(DecisionFilter f) {
    Query q = listQuery(f);
    return query(q.sql(), q.params());
  }

  /** A statement and its parameters. */
  record Query(String sql, List<Object> params) {}

  /** Returns the statement {@link #list} runs for the filter. */
  Query listQuery(DecisionFilter f) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM decisions WHERE 1=1");
    List<Object> params = new ArrayList<>();
    if (f.since() != null) {
      sql.append(" AND ts_us >= ?");
      params.add(DecisionLog.micros(f.since()));
    }
    if (f.deniedOnly()) {
      sql.append(store.dialect() == Dialect.POSTGRESQL ? " AND NOT allowed" : " AND allowed = 0");
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
    params.add(Math.max(1, f.limit()));
    return new Query(sql.toString(), params);
  }

  /** Returns one decision by id. */
  public Optional<DecisionRecord> get(String decisionId) {
    List<DecisionRecord> r =
        query("SELECT " + COLUMNS + " FROM decisions WHERE decision_id = ?", List.of(decisionId));
    return r.stream().findFirst();
  }

  /** Returns how many decisions are stored. */
  public long count() {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM decisions");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new StoreException("cannot count decisions: " + Store.firstLine(e.getMessage()), e);
    }
  }

  private List<DecisionRecord> query(String sql, List<Object> params) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
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
