package dev.vigil.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.stream.Stream;

/** Opens stores for tests: SQLite in a temporary folder, PostgreSQL in a fresh schema. */
final class TestStores {

  /** The machine's PostgreSQL (trust authentication), database {@code test}. */
  static final String PG_BASE = "postgresql://127.0.0.1:5432/test";

  private TestStores() {}

  static StoreLocation sqlite(Path dir) {
    return StoreLocation.embedded(dir);
  }

  /**
   * The dialects the decision-log tests run on; for
   * {@code @MethodSource("dev.vigil.store.TestStores#dialects")}.
   */
  static Stream<String> dialects() {
    return Stream.of("sqlite", "postgresql");
  }

  /** A new, empty store of the dialect: SQLite in {@code dir}, PostgreSQL in a fresh schema. */
  static StoreLocation fresh(String dialect, Path dir) throws SQLException {
    return dialect.equals("sqlite") ? sqlite(dir) : freshPostgres();
  }

  /** Runs a query that answers one number. */
  static long count(Store store, String sql) throws SQLException {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Creates an empty schema and returns a location whose tables land in it; the schema is dropped
   * when the test that asked for it ends ({@link TestSchemas}).
   */
  static StoreLocation freshPostgres() throws SQLException {
    return StoreLocation.parse(PG_BASE + "?currentSchema=" + TestSchemas.create());
  }

  static DecisionRecord record(String id, boolean allowed) {
    return new DecisionRecord(
        id,
        Instant.now(),
        "authz/allow",
        "alice@example.com",
        "app",
        allowed,
        "enforce",
        true,
        "node-1",
        "{\"decision_id\":\"" + id + "\",\"result\":" + allowed + "}");
  }
}
