package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * Another process holding the SQLite file's lock (an operator's {@code sqlite3} shell in a
 * transaction, a backup tool) longer than the store's busy timeout makes the decision log's writes
 * fail; once the lock is gone, the log must write again.
 */
class DecisionLogLockedFileTest {

  @TempDir Path tmp;

  @Test
  void lockHeldLongerThanRetries_thenReleased_laterDecisionsAreWritten() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      DecisionLog log =
          new DecisionLog(
              store,
              new DecisionLog.Options(
                  1_000,
                  100,
                  OverflowPolicy.BLOCK,
                  Duration.ofSeconds(5),
                  Duration.ofMillis(200),
                  Duration.ofMillis(1)));
      try {
        log.append(TestStores.record("before", true)).get(30, TimeUnit.SECONDS);
        CompletableFuture<Void> during;
        // An outside connection, not the store's pool, as another process would hold it.
        try (Connection other =
                DriverManager.getConnection(
                    "jdbc:sqlite:" + tmp.resolve("vigil.db").toAbsolutePath());
            Statement s = other.createStatement()) {
          s.execute("BEGIN EXCLUSIVE");
          during = log.append(TestStores.record("during", true));
          // Past the busy timeout (10 s) and the retries: the write of "during" gives up.
          assertThatThrownBy(() -> during.get(60, TimeUnit.SECONDS))
              .isInstanceOf(ExecutionException.class);
          s.execute("COMMIT");
        }
        for (int i = 0; i < 3; i++) {
          log.append(TestStores.record("after-" + i, i % 2 == 0)).get(30, TimeUnit.SECONDS);
        }
        assertThat(log.stats().written()).isEqualTo(4);
      } finally {
        log.close();
      }
    }
  }

  @Test
  void beginThatFailsOnALockedFile_leavesTheConnectionAbleToCommitLater() throws Exception {
    String url = "jdbc:sqlite:" + tmp.resolve("t.db").toAbsolutePath();
    SQLiteConfig immediate = new SQLiteConfig();
    immediate.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    immediate.setBusyTimeout(100);
    try (Connection c = DriverManager.getConnection(url, immediate.toProperties());
        Connection other = DriverManager.getConnection(url);
        Statement s = other.createStatement()) {
      try (Statement t = c.createStatement()) {
        t.execute("CREATE TABLE t (v INTEGER)");
      }
      s.execute("BEGIN EXCLUSIVE");
      assertThatThrownBy(() -> Store.begin(c)).isInstanceOf(java.sql.SQLException.class);
      s.execute("COMMIT");

      Store.begin(c);
      try (Statement t = c.createStatement()) {
        t.execute("INSERT INTO t VALUES (1)");
      }
      c.rollback();
      c.setAutoCommit(true);
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM t")) {
        rs.next();
        // Rolled back as one transaction: before the fix the insert ran on its own and stayed.
        assertThat(rs.getInt(1)).isZero();
      }
    }
  }
}
