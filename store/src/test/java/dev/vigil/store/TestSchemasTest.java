package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Tests left a {@code vigil_test_} schema in PostgreSQL for every store they opened there; these
 * check that a test's own schema is dropped when it ends and that no other schema is touched.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestSchemasTest {

  private static String made;

  /** Stands for a schema of another run (or one a crashed run left): not ours to drop. */
  private static final String OTHERS =
      "vigil_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  @Test
  @Order(1)
  void freshPostgres_inATest_existsWhileTheTestRuns() throws Exception {
    try (Connection c = DriverManager.getConnection(TestSchemas.URL);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + OTHERS);
    }
    StoreLocation pg = TestStores.freshPostgres();
    try (Store store = Store.open(pg)) {
      made = pg.jdbcUrl().replaceAll(".*currentSchema=([a-z0-9_]+).*", "$1");
      assertThat(made).startsWith("vigil_test_");
      assertThat(TestSchemas.exists(made)).isTrue();
    }
  }

  @Test
  @Order(2)
  void freshPostgres_afterItsTestEnded_isDroppedAndOthersAreNot() throws Exception {
    assertThat(made).isNotNull();
    assertThat(TestSchemas.exists(made)).isFalse();
    assertThat(TestSchemas.exists(OTHERS)).isTrue();
  }

  @AfterAll
  static void dropOthers() throws Exception {
    try (Connection c = DriverManager.getConnection(TestSchemas.URL);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + OTHERS + " CASCADE");
    }
  }
}
