package dev.vigil.testkit;

import dev.vigil.store.StoreLocation;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Creates the PostgreSQL schemas of one test and drops each, by the name it made, when the test
 * ends.
 *
 * <p>Register it on an instance field: {@code @RegisterExtension final TestSchemas schemas = new
 * TestSchemas("vigil_tdrace_")}. JUnit makes a test instance for each method, so the schemas one
 * instance created belong to the method that ran on it; they are dropped after that method's own
 * {@code @AfterEach} methods have closed its stores. A name is the prefix and 12 random hex digits,
 * and only a name this instance made is dropped: another run's schema, or one a killed run left, is
 * never touched. A drop that fails (a connection still inside a transaction holds a lock) is tried
 * again when the JVM exits.
 *
 * <p>Shared by the tests of every module above the store (identity, access, SDK, command line)
 * through this module, {@code testkit}, a test-scope dependency of theirs. The store module's own
 * tests have their own {@code TestSchemas}, registered by JUnit's auto-detection, since the store
 * cannot depend on this module, which depends on it.
 */
public final class TestSchemas implements AfterEachCallback {

  private static final String JDBC = "jdbc:postgresql://127.0.0.1:5432/test";

  /** Schemas whose drop failed, for the exit hook. */
  private static final Set<String> UNDROPPED = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> List.copyOf(UNDROPPED).forEach(TestSchemas::drop)));
  }

  private final String prefix;
  private final Pattern ours;
  private final List<String> created = new CopyOnWriteArrayList<>();

  /**
   * @param prefix the start of every name, lowercase letters and underscores ending in {@code _}
   */
  public TestSchemas(String prefix) {
    if (!prefix.matches("vigil_[a-z_]*_")) {
      throw new IllegalArgumentException("schema prefix \"" + prefix + "\" is not vigil_..._");
    }
    this.prefix = prefix;
    this.ours = Pattern.compile(Pattern.quote(prefix) + "[0-9a-f]{12}");
  }

  /** Creates an empty schema with a fresh name and returns the name. */
  public String create() throws SQLException {
    String schema = prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(JDBC);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    created.add(schema);
    return schema;
  }

  /** Creates an empty schema and returns the store URL whose tables land in it. */
  public String createUrl() throws SQLException {
    return url(create());
  }

  /** Returns the store URL whose tables land in {@code schema}. */
  public static String url(String schema) {
    return "postgresql://127.0.0.1:5432/test?currentSchema=" + schema;
  }

  /** Creates an empty schema and returns a store location whose tables land in it. */
  public StoreLocation createLocation() throws SQLException {
    return StoreLocation.parse(createUrl());
  }

  /** Returns true when the schema exists. */
  public static boolean exists(String schema) throws SQLException {
    try (Connection c = DriverManager.getConnection(JDBC);
        var ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (var rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    for (String schema : List.copyOf(created)) {
      if (!ours.matcher(schema).matches()) {
        throw new IllegalStateException("refusing to drop schema \"" + schema + "\"");
      }
      created.remove(schema);
      drop(schema);
    }
  }

  private static void drop(String schema) {
    try (Connection c = DriverManager.getConnection(JDBC);
        Statement s = c.createStatement()) {
      s.execute("SET lock_timeout = '5s'");
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      UNDROPPED.remove(schema);
    } catch (SQLException e) {
      UNDROPPED.add(schema);
      System.err.println("TestSchemas: could not drop " + schema + ": " + e.getMessage());
    }
  }
}
