package dev.vigil.access;

import dev.vigil.store.Dialect;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Reads and writes the grant tables of the store (migrations 0014 and 0015). Every change of a
 * grant is one transaction with its audit event, and is made only from the state it expects (a
 * conditional update), so that two nodes deciding one request at once cannot both succeed.
 * Thread-safe.
 */
final class GrantStore {

  private static final SecureRandom RANDOM = new SecureRandom();

  /** The first key of the advisory locks on a person (PostgreSQL): "VGRT". */
  private static final int PERSON_LOCK_CLASS = 0x56475254;

  private static final String COLUMNS =
      "id, subject, idp, entitlement, reason, requested_at_ms, duration_s, state, decided_by,"
          + " decided_at_ms, decision_reason, starts_at_ms, expires_at_ms, break_glass,"
          + " reviewed_by, reviewed_at_ms, ended_by, ended_at_ms, decided_by_idp";

  /**
   * SQL for when a request lapses undecided: its stored lapse, or for a request stored before the
   * lapse was kept, {@link Grant#DEFAULT_REQUEST_LIFETIME} after it was made.
   */
  static final String LAPSES_AT =
      "COALESCE(expires_at_ms, requested_at_ms + "
          + Grant.DEFAULT_REQUEST_LIFETIME.toMillis()
          + ")";

  private final Store store;

  GrantStore(Store store) {
    this.store = store;
  }

  Store store() {
    return store;
  }

  /** Returns a new random id with {@code prefix}. */
  static String newId(String prefix) {
    byte[] b = new byte[10];
    RANDOM.nextBytes(b);
    return prefix + HexFormat.of().formatHex(b);
  }

  /**
   * Stores the new request {@code g} with the event that made it, unless its holder has {@code max}
   * requests waiting already. The count and the insert are one transaction, begun with a lock that
   * only one such transaction of a person holds at a time, on every node: SQLite's write lock
   * (every transaction of the store begins immediate), or on PostgreSQL an advisory lock on the
   * person, which, unlike a row lock, also covers the rows not inserted yet.
   *
   * @return whether it was stored
   */
  boolean insertPending(Grant g, GrantEvent e, int max) {
    boolean[] stored = {false};
    try {
      inTransaction(
          c -> {
            if (store.dialect() == Dialect.POSTGRESQL) {
              lockPerson(c, g.subject(), g.idp());
            }
            if (pendingOf(c, g.subject(), g.idp(), g.requestedAt()) < max) {
              insertRow(c, g);
              insertEvent(c, e);
              stored[0] = true;
            }
          });
      return stored[0];
    } catch (SQLException ex) {
      throw failed("store grant " + g.id(), ex);
    }
  }

  /**
   * Stores the new break-glass grant {@code g} with the event that made it, unless its holder holds
   * an active break-glass grant of the same entitlement at {@code g}'s start: one at a time, so
   * that break-glass cannot be chained past its maximum. The check and the insert are one
   * transaction under the person's lock, as in {@link #insertPending}, so two taken at once on two
   * nodes cannot both pass.
   *
   * @return the break-glass grant held already, or empty when {@code g} was stored
   */
  Optional<Grant> insertBreakGlass(Grant g, GrantEvent e) {
    List<Grant> held = new ArrayList<>();
    try {
      inTransaction(
          c -> {
            if (store.dialect() == Dialect.POSTGRESQL) {
              lockPerson(c, g.subject(), g.idp());
            }
            held.addAll(
                select(
                    c,
                    "WHERE subject = ? AND idp = ? AND entitlement = ? AND break_glass = 1"
                        + " AND state = ? AND expires_at_ms > ? ORDER BY expires_at_ms DESC",
                    g.subject(),
                    g.idp(),
                    g.entitlement(),
                    Grant.State.ACTIVE.wireName(),
                    g.startsAt().toEpochMilli()));
            if (held.isEmpty()) {
              insertRow(c, g);
              insertEvent(c, e);
            }
          });
      return held.isEmpty() ? Optional.empty() : Optional.of(held.get(0));
    } catch (SQLException ex) {
      throw failed("store grant " + g.id(), ex);
    }
  }

  /**
   * Takes the transaction-scoped advisory lock of one person. The two-key form, whose first key
   * names grants, keeps apart from the one-key lock of the migrations; two people whose second keys
   * collide only wait for each other.
   */
  private static void lockPerson(Connection c, String subject, String idp) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
      ps.setInt(1, PERSON_LOCK_CLASS);
      ps.setInt(2, (idp + "\u0000" + subject).hashCode());
      ps.executeQuery().close();
    }
  }

  /** The person's requests still waiting at {@code now}: pending, and not expired unanswered. */
  private static int pendingOf(Connection c, String subject, String idp, Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT COUNT(*) FROM grants WHERE subject = ? AND idp = ? AND state = ? AND "
                + LAPSES_AT
                + " > ?")) {
      bind(ps, subject, idp, Grant.State.PENDING.wireName(), now.toEpochMilli());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void insertRow(Connection c, Grant g) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO grants ("
                + COLUMNS
                + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
      bind(
          ps,
          g.id(),
          g.subject(),
          g.idp(),
          g.entitlement(),
          g.reason(),
          ms(g.requestedAt()),
          g.duration().toSeconds(),
          g.state().wireName(),
          g.decidedBy(),
          ms(g.decidedAt()),
          g.decisionReason(),
          ms(g.startsAt()),
          ms(g.expiresAt()),
          g.breakGlass() ? 1L : 0L,
          g.reviewedBy(),
          ms(g.reviewedAt()),
          g.endedBy(),
          ms(g.endedAt()),
          g.decidedByIdp());
      ps.executeUpdate();
    }
  }

  /**
   * Runs {@code sql} (an UPDATE of one grant, its last parameter the id, whose WHERE holds the
   * state it expects) and stores {@code e} with it when it changed a row.
   *
   * @return whether the grant was in the state expected and was changed
   */
  boolean change(String what, GrantEvent e, String sql, Object... args) {
    boolean[] changed = {false};
    try {
      inTransaction(
          c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
              bind(ps, args);
              changed[0] = ps.executeUpdate() == 1;
            }
            if (changed[0]) {
              insertEvent(c, e);
            }
          });
      return changed[0];
    } catch (SQLException ex) {
      throw failed(what + " grant " + e.grantId(), ex);
    }
  }

  private static void insertEvent(Connection c, GrantEvent e) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO grant_events (grant_id, seq, at_ms, actor, action, reason, actor_idp)"
                + " VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM grant_events"
                + " WHERE grant_id = ?), ?, ?, ?, ?, ?)")) {
      bind(
          ps,
          e.grantId(),
          e.grantId(),
          ms(e.at()),
          e.actor(),
          e.action(),
          e.reason(),
          e.actorIdp());
      ps.executeUpdate();
    }
  }

  Optional<Grant> grant(String id) {
    List<Grant> rows = grants("WHERE id = ?", id);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  /** Returns the grants of {@code subject} of {@code idp}, newest first, at most {@code limit}. */
  List<Grant> ofSubject(String subject, String idp, int limit) {
    return grants(
        "WHERE subject = ? AND idp = ? ORDER BY requested_at_ms DESC LIMIT " + limit, subject, idp);
  }

  /** Returns the grants in {@code state}, oldest first. */
  List<Grant> inState(Grant.State state) {
    return grants("WHERE state = ? ORDER BY requested_at_ms", state.wireName());
  }

  /** Returns break-glass grants no administrator reviewed yet, oldest first. */
  List<Grant> unreviewed() {
    return grants("WHERE break_glass = 1 AND reviewed_at_ms IS NULL ORDER BY requested_at_ms");
  }

  /** Returns requests still pending that lapsed at or before {@code nowMs}. */
  List<Grant> unanswered(long nowMs) {
    return grants(
        "WHERE state = ? AND " + LAPSES_AT + " <= ?", Grant.State.PENDING.wireName(), nowMs);
  }

  /** Returns active grants whose expiry is at or before {@code nowMs}. */
  List<Grant> overdue(long nowMs) {
    return grants("WHERE state = ? AND expires_at_ms <= ?", Grant.State.ACTIVE.wireName(), nowMs);
  }

  /** The SQL condition of the grants whose life touched a span: {@link #touching}. */
  private static final String TOUCHING =
      "WHERE requested_at_ms < ? AND (state = ? OR COALESCE(ended_at_ms, expires_at_ms,"
          + " decided_at_ms, requested_at_ms) >= ?)";

  /**
   * Returns the grants whose life touched the span from {@code sinceMs} to {@code untilMs}: asked
   * for before its end, and still pending, or decided, active or ended at or after its start;
   * oldest first, at most {@code limit}. Changes nothing.
   */
  List<Grant> touching(long sinceMs, long untilMs, int limit) {
    return grants(
        TOUCHING + " ORDER BY requested_at_ms, id LIMIT " + limit,
        untilMs,
        Grant.State.PENDING.wireName(),
        sinceMs);
  }

  /** Counts the grants {@link #touching} would return without a limit. */
  long countTouching(long sinceMs, long untilMs) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM grants " + TOUCHING)) {
      bind(ps, untilMs, Grant.State.PENDING.wireName(), sinceMs);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw failed("count grants", e);
    }
  }

  private List<Grant> grants(String where, Object... args) {
    try (Connection c = store.dataSource().getConnection()) {
      return select(c, where, args);
    } catch (SQLException e) {
      throw failed("read grants", e);
    }
  }

  private static List<Grant> select(Connection c, String where, Object... args)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM grants " + where)) {
      bind(ps, args);
      List<Grant> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(row(rs));
        }
      }
      return out;
    }
  }

  /** Returns the audit trail of {@code grantId}, oldest first. */
  List<GrantEvent> events(String grantId) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT grant_id, at_ms, actor, action, reason, actor_idp FROM grant_events"
                    + " WHERE grant_id = ? ORDER BY seq")) {
      bind(ps, grantId);
      List<GrantEvent> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new GrantEvent(
                  rs.getString(1),
                  Instant.ofEpochMilli(rs.getLong(2)),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getString(5),
                  rs.getString(6)));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("read the events of grant " + grantId, e);
    }
  }

  private static Grant row(ResultSet rs) throws SQLException {
    return new Grant(
        rs.getString(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        instant(rs, 6),
        Duration.ofSeconds(rs.getLong(7)),
        Grant.State.of(rs.getString(8)),
        rs.getString(9),
        instant(rs, 10),
        rs.getString(11),
        instant(rs, 12),
        instant(rs, 13),
        rs.getLong(14) != 0,
        rs.getString(15),
        instant(rs, 16),
        rs.getString(17),
        instant(rs, 18),
        rs.getString(19));
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(v);
  }

  /** What runs inside one transaction. */
  private interface Work {
    void run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   */
  private void inTransaction(Work work) throws SQLException {
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        work.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  static Long ms(Instant t) {
    return t == null ? null : t.toEpochMilli();
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case null -> ps.setNull(i + 1, java.sql.Types.NULL);
        case Long l -> ps.setLong(i + 1, l);
        case String s -> ps.setString(i + 1, s);
        default -> throw new IllegalArgumentException("cannot bind " + args[i].getClass());
      }
    }
  }

  private static StoreException failed(String what, SQLException e) {
    return new StoreException("cannot " + what + ": " + e.getMessage(), e);
  }
}
