package dev.vigil.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.UUID;

/** Opens stores for tests: SQLite in a temporary folder, PostgreSQL in a fresh schema. */
final class TestStores {

  /** The machine's PostgreSQL (trust authentication), database {@code test}. */
  static final String PG_BASE = "postgresql://127.0.0.1:5432/test";

  private TestStores() {}

  static StoreLocation sqlite(Path dir) {
    return StoreLocation.embedded(dir);
  }

  /** Creates an empty schema and returns a location whose tables land in it. */
  static StoreLocation freshPostgres() throws SQLException {
    String schema = "vigil_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test");
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return StoreLocation.parse(PG_BASE + "?currentSchema=" + schema);
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
