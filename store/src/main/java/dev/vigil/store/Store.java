package dev.vigil.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * Vigil's persistence: an embedded SQLite file for one node, or a PostgreSQL database shared by
 * several. Opening a store brings its schema up to date.
 *
 * <p>Thread-safe. SQLite runs in WAL mode with {@code synchronous=FULL}, so a committed write
 * survives a crash of the process and of the machine.
 */
public final class Store implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Store.class);

  private final StoreLocation location;
  private final HikariDataSource pool;

  /** The calls a person's request waits for, bounded in time (one hold for all of them). */
  private final BoundedCalls bounded;

  private Store(StoreLocation location, HikariDataSource pool) {
    this.location = location;
    this.pool = pool;
    this.bounded = new BoundedCalls(this);
  }

  /**
   * Opens (creating if needed) and migrates the store.
   *
   * @throws StoreException naming the location and what is wrong: an unreadable directory, a
   *     database that cannot be reached, a schema newer than this build
   */
  public static Store open(StoreLocation location) {
    if (location.dialect() == Dialect.SQLITE) {
      prepareDirectory(location.sqliteFile());
      createWithPageSize(location);
    }
    probe(location);
    HikariDataSource pool = pool(location);
    try (Connection c = pool.getConnection()) {
      Migrations.apply(c, location.dialect(), location.display());
    } catch (SQLException e) {
      pool.close();
      throw new StoreException(
          "cannot open store " + location.display() + ": " + firstLine(e.getMessage()), e);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    log.debug("store opened: {} ({})", location.display(), location.dialect());
    return new Store(location, pool);
  }

  /**
   * How many pages the SQLite write-ahead log may hold before a commit copies them into the file
   * (32 MiB at {@link #PAGE_SIZE}; SQLite's default is 1,000). Every commit of the decision log
   * appends new copies of the same few index pages to the log, and a checkpoint writes each page
   * once, however many copies it holds, then syncs the file: with the longer interval the writer
   * spent about 1 µs less per decision behind the gateway, and the file took fewer syncs. The log
   * file keeps its largest size after a checkpoint, so up to this much disk stays in use beside the
   * store.
   */
  static final int CHECKPOINT_PAGES = 8_000;

  /** The page size of a new SQLite store. */
  static final int PAGE_SIZE = 4_096;

  /**
   * Creates a new SQLite file with {@link #PAGE_SIZE}-byte pages. The size is fixed when the first
   * page is written and cannot change once the file is in WAL mode, so it is set here, before the
   * pool's connections switch it to WAL; an existing file keeps its size.
   *
   * <p>Why 4 KiB: each commit of the decision log writes every page it touched to the WAL, and
   * later again to the file. With decisions stored by batch, a commit touches a few index pages and
   * the batch's own pages; at 28,000 decisions/s through the gateway, disks took 62 MB/s with 4 KiB
   * pages against 100–106 MB/s with 16 KiB ones, for the same CPU and throughput (16 KiB had paid
   * off when every decision was a row of its own).
   */
  private static void createWithPageSize(StoreLocation location) {
    if (Files.exists(location.sqliteFile())) {
      return;
    }
    createPrivate(location);
    SQLiteDataSource ds = new SQLiteDataSource();
    ds.setUrl(location.jdbcUrl());
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("PRAGMA page_size=" + PAGE_SIZE);
      s.execute("PRAGMA journal_mode=WAL");
    } catch (SQLException e) {
      throw new StoreException(
          "cannot create store " + location.display() + ": " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * Creates the empty file of a new SQLite store readable and writable by its owner only: it holds
   * the decision log (who asked for what, from where), the sealed CA keys and the devices. SQLite
   * gives its write-ahead log and shared-memory files the mode of the store's file. An existing
   * file keeps the mode it has.
   */
  private static void createPrivate(StoreLocation location) {
    Path file = location.sqliteFile();
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: SQLite creates the file with what the system gives.
    } catch (FileAlreadyExistsException e) {
      // Another process made it in between: it is that process's file, opened as it is.
    } catch (IOException e) {
      throw new StoreException(
          "cannot create store " + location.display() + ": " + e.getMessage(), e);
    }
  }

  private static void prepareDirectory(Path file) {
    Path dir = file.getParent();
    try {
      Files.createDirectories(dir);
    } catch (AccessDeniedException e) {
      throw new StoreException("data directory " + dir + " cannot be created: permission denied");
    } catch (FileAlreadyExistsException e) {
      throw new StoreException(
          "data directory " + dir + " cannot be created: " + e.getFile() + " is a file");
    } catch (FileSystemException e) {
      throw new StoreException(
          "data directory "
              + dir
              + " cannot be created: "
              + (e.getReason() == null ? e.getFile() : e.getReason().toLowerCase(Locale.ROOT)));
    } catch (IOException e) {
      throw new StoreException("data directory " + dir + " cannot be created: " + e.getMessage());
    }
    if (!Files.isDirectory(dir) || !Files.isWritable(dir) || !Files.isReadable(dir)) {
      throw new StoreException("data directory " + dir + " is not a readable, writable directory");
    }
    if (Files.exists(file) && (!Files.isReadable(file) || !Files.isWritable(file))) {
      throw new StoreException("store file " + file + " is not readable and writable");
    }
  }

  /**
   * Opens one connection outside the pool and reads the schema through it, so that a store that
   * cannot be opened (a file that is not a database, an unknown database user, a refused
   * connection) is reported at once with its own reason. Through the pool the same fault took the
   * pool's whole timeout and came out as "Connection is not available, request timed out".
   */
  private static void probe(StoreLocation location) {
    try (Connection c =
            location.dialect() == Dialect.SQLITE
                ? sqlite(location).getConnection()
                : DriverManager.getConnection(location.jdbcUrl());
        Statement s = c.createStatement()) {
      if (location.dialect() == Dialect.SQLITE) {
        s.execute("SELECT count(*) FROM sqlite_master");
      } else {
        requireSchema(location, s);
      }
    } catch (SQLException e) {
      throw new StoreException(
          "cannot open store " + location.display() + ": " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * Refuses a PostgreSQL connection whose search path names no existing schema (a misspelt or not
   * yet created {@code currentSchema}): the migrations would stop on PostgreSQL's "no schema has
   * been selected to create in", which names neither the schema nor where it came from.
   */
  private static void requireSchema(StoreLocation location, Statement s) throws SQLException {
    try (ResultSet rs = s.executeQuery("SELECT current_schema(), current_setting('search_path')")) {
      rs.next();
      if (rs.getString(1) != null) {
        return;
      }
      String path = rs.getString(2);
      throw new StoreException(
          "cannot open store "
              + location.display()
              + ": no schema of the search path \""
              + path
              + "\" exists (set by currentSchema in the URL, else by the server);"
              + " create it first (CREATE SCHEMA name) or name an existing one");
    }
  }

  /** The SQLite data source every connection of the store comes from. */
  private static SQLiteDataSource sqlite(StoreLocation location) {
    SQLiteConfig sc = new SQLiteConfig();
    sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sc.setBusyTimeout(10_000);
    // Every transaction of the store writes. Begun deferred, one that reads first holds a snapshot,
    // and when another connection (the decision log's writer, every few milliseconds) commits
    // before it writes, SQLite refuses its write at once with SQLITE_BUSY, whatever the busy
    // timeout. Begun immediate, it takes the write lock first and waits its turn.
    sc.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    sc.enforceForeignKeys(true);
    sc.setCacheSize(-65_536);
    sc.setTempStore(SQLiteConfig.TempStore.MEMORY);
    SQLiteDataSource ds = new SQLiteDataSource(sc);
    ds.setUrl(location.jdbcUrl());
    return ds;
  }

  /**
   * How long a statement on PostgreSQL waits for the next bytes of its answer before it fails (the
   * JDBC driver's {@code socketTimeout}).
   */
  static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(30);

  private static HikariDataSource pool(StoreLocation location) {
    HikariConfig cfg = new HikariConfig();
    cfg.setPoolName("vigil-store");
    cfg.setInitializationFailTimeout(-1);
    cfg.setConnectionTimeout(10_000);
    if (location.dialect() == Dialect.SQLITE) {
      cfg.setDataSource(sqlite(location));
      cfg.setConnectionInitSql("PRAGMA wal_autocheckpoint=" + CHECKPOINT_PAGES);
      cfg.setMaximumPoolSize(4);
    } else {
      cfg.setJdbcUrl(location.jdbcUrl());
      cfg.setMaximumPoolSize(8);
      // A store that stops answering without closing the connections (a network that drops
      // packets, a frozen proxy) would otherwise hold a statement, and whoever waits on it, for
      // ever. A socketTimeout in the store's URL wins over this one.
      cfg.addDataSourceProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
    }
    return new HikariDataSource(cfg);
  }

  public StoreLocation location() {
    return location;
  }

  public Dialect dialect() {
    return location.dialect();
  }

  /** Runs the calls a person's request waits for: sign-in guards (see {@link BoundedCalls}). */
  BoundedCalls bounded() {
    return bounded;
  }

  /** Returns the connection pool; callers close the connections they take. */
  public DataSource dataSource() {
    return pool;
  }

  /**
   * Checks the database for corruption (SQLite's {@code integrity_check}; PostgreSQL checks
   * itself). Returns "ok" or the problems found.
   */
  public String checkIntegrity() {
    if (location.dialect() != Dialect.SQLITE) {
      return "ok";
    }
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      StringBuilder sb = new StringBuilder();
      while (rs.next()) {
        if (!sb.isEmpty()) {
          sb.append('\n');
        }
        sb.append(rs.getString(1));
      }
      return sb.toString();
    } catch (SQLException e) {
      throw new StoreException("integrity check of " + location.display() + " failed", e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }

  /**
   * Begins a transaction on {@code c}, which comes from {@link #dataSource()}: use it instead of
   * {@code c.setAutoCommit(false)}.
   *
   * <p>sqlite-jdbc records a connection as out of auto-commit before it runs its {@code BEGIN
   * IMMEDIATE}. When that {@code BEGIN} fails (another process holds the file's lock past the busy
   * timeout: a {@code sqlite3} shell in a transaction, a backup), the connection goes back to the
   * pool believing it is in a transaction it does not have, and every later transaction on it runs
   * its statements one by one and then fails at {@code commit} with "no transaction is active". So
   * a failed begin puts the flag back, and a connection found in that state is put right first.
   *
   * @throws SQLException when the transaction cannot begin; the connection stays usable
   */
  public static void begin(Connection c) throws SQLException {
    if (!c.getAutoCommit()) {
      // The pool hands out connections in auto-commit: one that is not was left by a failed begin.
      restoreAutoCommit(c);
    }
    try {
      c.setAutoCommit(false);
    } catch (SQLException e) {
      restoreAutoCommit(c);
      throw e;
    }
  }

  /**
   * Sets the flag back to auto-commit. sqlite-jdbc sets it before running {@code COMMIT}, which
   * fails here with "no transaction is active": the flag is right either way.
   */
  static void restoreAutoCommit(Connection c) {
    try {
      c.setAutoCommit(true);
    } catch (SQLException ignored) {
      // See above.
    }
  }

  /** Returns the first line of a driver's message, with any {@code password=} value masked. */
  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return StoreLocation.redactPasswords(nl < 0 ? s : s.substring(0, nl));
  }
}
