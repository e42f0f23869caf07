package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/**
 * A migration that meets a SQLite file locked by another process (an operator's {@code sqlite3}
 * shell in a transaction, a backup tool) past the busy timeout: it fails saying so, applies
 * nothing, and works once the lock is gone, on the same connection too.
 */
class MigrationsLockedFileTest {

  @TempDir Path tmp;

  @Test
  void apply_fileLockedThenReleased_failsApplyingNothing_thenAppliesAllOnTheSameConnection()
      throws Exception {
    String url = "jdbc:sqlite:" + tmp.resolve("m.db").toAbsolutePath();
    // As the store's pool opens its connections: transactions begin immediate.
    SQLiteConfig immediate = new SQLiteConfig();
    immediate.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    immediate.setBusyTimeout(100);
    try (Connection c = DriverManager.getConnection(url, immediate.toProperties());
        Connection other = DriverManager.getConnection(url);
        Statement s = other.createStatement()) {
      s.execute("BEGIN EXCLUSIVE");
      assertThatThrownBy(() -> Migrations.apply(c, Dialect.SQLITE, "m.db"))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("locked");
      s.execute("COMMIT");
      assertThat(tables(other)).isEmpty();
      assertThat(c.getAutoCommit()).isTrue();

      // Before the fix the connection still believed it was in the failed transaction: the scripts
      // ran one statement at a time, each committed, and the final commit failed.
      Migrations.apply(c, Dialect.SQLITE, "m.db");

      assertThat(tables(other)).contains("vigil_schema", "decision_batches");
      assertThat(c.getAutoCommit()).isTrue();
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM vigil_schema")) {
        rs.next();
        assertThat(rs.getInt(1)).isPositive();
      }
    }
  }

  @Test
  void open_newStoreFileLockedByAnotherProcess_refusedSayingSo_thenOpensOnceReleased()
      throws Exception {
    Path file = tmp.resolve("vigil.db");
    // An empty database file, as a backup tool or a shell might hold it before the first start.
    try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        Statement s = other.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("BEGIN EXCLUSIVE");
      s.execute("CREATE TABLE operator_notes (t TEXT)");
      assertThatThrownBy(() -> Store.open(StoreLocation.embedded(tmp)).close())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot open store " + file)
          .hasMessageContaining("locked");
      s.execute("ROLLBACK");
      assertThat(tables(other)).isEmpty();
    }

    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      assertThat(store.checkIntegrity()).isEqualTo("ok");
      try (Connection c = store.dataSource().getConnection()) {
        assertThat(tables(c)).contains("vigil_schema", "decision_batches");
      }
    }
  }

  private static List<String> tables(Connection c) throws Exception {
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
