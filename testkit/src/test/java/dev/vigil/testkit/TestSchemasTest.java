package dev.vigil.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The identity, access, SDK and command-line tests left a schema ({@code vigil_tdrace_}, {@code
 * vigil_devices_}, {@code vigil_node_} …) in PostgreSQL on every run; these check that a test's own
 * schema is dropped when it ends, and nothing else.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestSchemasTest {

  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";

  /** Stands for a schema of another run with the same prefix: not ours to drop. */
  private static final String OTHERS =
      "vigil_schematest_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

  private static String made;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_schematest_");

  @Test
  @Order(1)
  void create_inATest_existsWhileTheTestRuns() throws Exception {
    try (Connection c = DriverManager.getConnection(JDBC);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + OTHERS);
    }
    made = schemas.create();
    try (Store store = Store.open(StoreLocation.parse(TestSchemas.url(made)))) {
      assertThat(made).matches("vigil_schematest_[0-9a-f]{12}");
      assertThat(TestSchemas.exists(made)).isTrue();
    }
  }

  @Test
  @Order(2)
  void create_afterItsTestEnded_isDroppedAndOthersAreNot() throws Exception {
    assertThat(made).isNotNull();
    assertThat(TestSchemas.exists(made)).isFalse();
    assertThat(TestSchemas.exists(OTHERS)).isTrue();
  }

  @AfterAll
  static void dropOthers() throws Exception {
    try (Connection c = DriverManager.getConnection(JDBC);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + OTHERS + " CASCADE");
    }
  }
}
