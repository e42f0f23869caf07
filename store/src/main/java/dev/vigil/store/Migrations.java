package dev.vigil.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Brings a database's schema up to date with ordered SQL scripts, one transaction each.
 *
 * <p>Scripts live in {@code migrations/<dialect>/}, listed in order in {@code index.txt}; each
 * applied script is recorded in {@code vigil_schema} with its checksum. A database whose schema is
 * newer than this build, or whose recorded script differs from the shipped one, is refused rather
 * than touched. On PostgreSQL an advisory lock keeps two nodes from migrating at once.
 */
final class Migrations {

  private static final long PG_LOCK_KEY = 0x5669_6769_6c00L;

  private record Script(int version, String name, String sql, String checksum) {}

  private Migrations() {}

  /**
   * Applies the scripts {@code c}'s database lacks, all in one transaction.
   *
   * @throws SQLException when the transaction cannot begin (another process holds a SQLite file's
   *     lock past the busy timeout) or a script fails; nothing is applied then, and {@code c} is
   *     left in auto-commit, usable for a later try
   */
  static void apply(Connection c, Dialect dialect, String where) throws SQLException {
    List<Script> scripts = load(dialect);
    // Store.begin, not setAutoCommit(false): a begin that fails on a locked file must not leave the
    // connection believing it is in a transaction, which would run a later try's scripts one by
    // one, each committed on its own.
    Store.begin(c);
    try {
      if (dialect == Dialect.POSTGRESQL) {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pg_advisory_xact_lock(" + PG_LOCK_KEY + ")");
        }
      }
      try (Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE IF NOT EXISTS vigil_schema (version INTEGER PRIMARY KEY, "
                + "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
      }
      List<int[]> applied = new ArrayList<>();
      List<String> checksums = new ArrayList<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT version, checksum FROM vigil_schema ORDER BY 1")) {
        while (rs.next()) {
          applied.add(new int[] {rs.getInt(1)});
          checksums.add(rs.getString(2));
        }
      }
      for (int i = 0; i < applied.size(); i++) {
        int v = applied.get(i)[0];
        if (v > scripts.size()) {
          throw new StoreException(
              where
                  + ": schema version "
                  + v
                  + " is newer than this Vigil knows ("
                  + scripts.size()
                  + "); use a newer Vigil with this store");
        }
        Script s = scripts.get(v - 1);
        if (!s.checksum().equals(checksums.get(i))) {
          throw new StoreException(
              where
                  + ": schema script "
                  + s.name()
                  + " was changed after it was applied; "
                  + "refusing to touch the store");
        }
      }
      for (int v = applied.size() + 1; v <= scripts.size(); v++) {
        Script s = scripts.get(v - 1);
        try (Statement st = c.createStatement()) {
          for (String statement : statements(s.sql())) {
            st.execute(statement);
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO vigil_schema (version, name, checksum, applied_at) VALUES"
                    + " (?,?,?,?)")) {
          ps.setInt(1, v);
          ps.setString(2, s.name());
          ps.setString(3, s.checksum());
          ps.setString(4, Instant.now().toString());
          ps.executeUpdate();
        }
      }
      c.commit();
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      throw e;
    } finally {
      // Back in auto-commit, as the pool hands connections out.
      Store.restoreAutoCommit(c);
    }
  }

  /**
   * Splits a script into its statements: each ends with a semicolon at the end of a line. Comments
   * ({@code --} to the end of the line; the scripts hold no string literal with two dashes) are
   * left out first, so a comment that ends with a semicolon is not taken for the end of a
   * statement.
   */
  static List<String> statements(String sql) {
    StringBuilder code = new StringBuilder(sql.length());
    for (String line : sql.split("\n", -1)) {
      int comment = line.indexOf("--");
      code.append(comment < 0 ? line : line.substring(0, comment)).append('\n');
    }
    List<String> out = new ArrayList<>();
    for (String part : code.toString().split(";\\s*\\n")) {
      if (!part.isBlank()) {
        out.add(part.strip());
      }
    }
    return out;
  }

  private static List<Script> load(Dialect dialect) {
    String base = "migrations/" + dialect.migrationFolder() + "/";
    List<Script> out = new ArrayList<>();
    for (String name : read(base + "index.txt").split("\n")) {
      if (name.isBlank()) {
        continue;
      }
      String sql = read(base + name.strip());
      out.add(new Script(out.size() + 1, name.strip(), sql, sha256(sql)));
    }
    return out;
  }

  private static String read(String resource) {
    try (InputStream in = Migrations.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new StoreException("migration resource missing from the build: " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException("cannot read migration " + resource, e);
    }
  }

  private static String sha256(String s) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
