package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTransactionsTest {

  @TempDir Path tmp;

  private static void signOut(Connection c, String id) throws Exception {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO session_sign_outs (realm, id_sha256, issued_s, until_s)"
                + " VALUES ('test', ?, 1, 2)")) {
      ps.setString(1, id);
      ps.executeUpdate();
    }
  }

  @Test
  void transactionThatReadsThenWrites_whileAnotherConnectionWrites_bothCommit() throws Exception {
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Store store = Store.open(StoreLocation.embedded(tmp));
        Connection a = store.dataSource().getConnection()) {
      a.setAutoCommit(false);
      try (PreparedStatement ps = a.prepareStatement("SELECT count(*) FROM session_sign_outs");
          ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
      }
      Future<?> write =
          other.submit(
              () -> {
                try (Connection b = store.dataSource().getConnection()) {
                  signOut(b, "b");
                }
                return null;
              });
      try {
        // Sequencing only: a deferred transaction would let this write commit now, under the
        // first's snapshot; an immediate one makes it wait for the first to commit.
        write.get(2, TimeUnit.SECONDS);
      } catch (TimeoutException waiting) {
        // The other write waits for this transaction, as it should.
      }

      signOut(a, "a");
      a.commit();
      // As the store's own code does by closing the connection into the pool: no transaction after.
      a.setAutoCommit(true);

      write.get(30, TimeUnit.SECONDS);
      try (PreparedStatement ps = a.prepareStatement("SELECT count(*) FROM session_sign_outs");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    } finally {
      other.shutdownNow();
    }
  }
}
