package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes old decisions from the decision log: every batch whose decisions are all older than a
 * cut-off, with its record and keys, and the rows from before batches that are older.
 *
 * <p>A batch that holds decisions on both sides of the cut-off is kept whole; batches span a few
 * milliseconds, so that is what the cut-off may keep beyond itself. Batches go in groups, one
 * transaction each, so a prune of a large log neither holds one long transaction nor, when it stops
 * half-way, leaves a batch half removed. Safe to run while nodes write to the same store.
 */
public final class DecisionPruner {

  /** Batches removed per transaction. */
  static final int GROUP = 500;

  private DecisionPruner() {}

  /**
   * Removes what is older than the cut-off.
   *
   * @return how many decisions were removed
   */
  public static long prune(Store store, Instant before) {
    long cutoff = DecisionLog.micros(before);
    long removed = 0;
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        long group;
        while ((group = pruneGroup(c, cutoff)) >= 0) {
          removed += group;
        }
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM decisions WHERE ts_us < ?")) {
          ps.setLong(1, cutoff);
          removed += ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException(
          "cannot prune the decision log: " + Store.firstLine(e.getMessage()), e);
    }
    return removed;
  }

  /**
   * Removes up to {@link #GROUP} old batches and commits; returns how many decisions they held, or
   * -1 when none are left.
   */
  private static long pruneGroup(Connection c, long cutoff) throws SQLException {
    List<Long> seqs = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT seq, size FROM decision_batches WHERE max_ts_us < ? ORDER BY seq LIMIT "
                + GROUP)) {
      ps.setLong(1, cutoff);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          seqs.add(rs.getLong(1));
          sizes.add(rs.getLong(2));
        }
      }
    }
    if (seqs.isEmpty()) {
      return -1;
    }
    deleteEach(c, "DELETE FROM decision_keys WHERE batch = ?", seqs);
    deleteEach(c, "DELETE FROM decision_events WHERE batch = ?", seqs);
    int[] gone = deleteEach(c, "DELETE FROM decision_batches WHERE seq = ?", seqs);
    c.commit();
    // Counted only where this prune removed the batch: another may have been first.
    long decisions = 0;
    for (int i = 0; i < gone.length; i++) {
      decisions += gone[i] == 0 ? 0 : sizes.get(i);
    }
    return decisions;
  }

  private static int[] deleteEach(Connection c, String sql, List<Long> seqs) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (long seq : seqs) {
        ps.setLong(1, seq);
        ps.addBatch();
      }
      return ps.executeBatch();
    }
  }
}
