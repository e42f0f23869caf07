package dev.vigil.store;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Creates the PostgreSQL schemas that tests use and drops each when the test that made it ends.
 *
 * <p>Every schema gets a fresh random name, {@code vigil_test_} and 12 hex digits, so a schema left
 * by a crashed earlier run (or in use by another engineer's run) is never read, written or dropped
 * here: only a name this JVM created, and only once its own test has ended. A schema made inside a
 * test method is dropped after that method; one made in {@code @BeforeAll} or a static initialiser,
 * after its class; any still here (a drop that timed out) when the JVM exits.
 *
 * <p>Registered for every test class of the module by JUnit's extension auto-detection ({@code
 * junit-platform.properties}). Attribution by "the test running now" assumes the module's tests run
 * one at a time, as its build configures them.
 */
public final class TestSchemas implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

  static final String URL = "jdbc:postgresql://127.0.0.1:5432/test";

  private static final Pattern OURS = Pattern.compile("vigil_test_[0-9a-f]{12}");

  /** Schema name to the unique id of the test (method, else class) that created it. */
  private static final Map<String, String> CREATED = new ConcurrentHashMap<>();

  /** The unique id of the test method running now, or null between methods. */
  private static volatile String running;

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(() -> List.copyOf(CREATED.keySet()).forEach(TestSchemas::drop)));
  }

  /** Creates an empty schema with a fresh name and remembers which test it belongs to. */
  static String create() throws SQLException {
    String schema = "vigil_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    String owner = running;
    CREATED.put(schema, owner != null ? owner : "class");
    return schema;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    running = context.getUniqueId();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    running = null;
    dropOwnedBy(context.getUniqueId());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    dropOwnedBy("class");
  }

  private static void dropOwnedBy(String owner) {
    List<String> mine = new ArrayList<>();
    CREATED.forEach(
        (schema, o) -> {
          if (o.equals(owner)) {
            mine.add(schema);
          }
        });
    mine.forEach(TestSchemas::drop);
  }

  /** Returns true when the schema exists; for the tests of this cleanup. */
  static boolean exists(String schema) throws SQLException {
    try (Connection c = DriverManager.getConnection(URL);
        var ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void drop(String schema) {
    if (!OURS.matcher(schema).matches()) {
      throw new IllegalStateException("refusing to drop schema \"" + schema + "\"");
    }
    try (Connection c = DriverManager.getConnection(URL);
        Statement s = c.createStatement()) {
      // A store the test left open holds no lock while idle; one inside a transaction would make
      // the drop wait, so it gives up and the exit hook tries again.
      s.execute("SET lock_timeout = '5s'");
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      CREATED.remove(schema);
    } catch (SQLException e) {
      System.err.println("TestSchemas: could not drop " + schema + ": " + e.getMessage());
    }
  }
}
