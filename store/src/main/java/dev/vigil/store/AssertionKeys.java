package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the public keys of identity assertions (table {@code assertion_keys}, migration
 * 0010), one row per key id. Each gateway node publishes the public half of its key and pushes its
 * {@link AssertionKey#notAfter} forward while it runs; every node serves the unexpired keys of its
 * issuer in its JWKS, so that an app may fetch the JWKS from any node of a shared store. The same
 * SQL runs on SQLite and PostgreSQL.
 *
 * <p>Whoever can write to the store can add a key here, as it can already change the CAs' rows: the
 * store is trusted as the CAs are.
 *
 * <p>Thread-safe; every write is one statement in its own transaction.
 */
public final class AssertionKeys {

  private final Store store;

  public AssertionKeys(Store store) {
    this.store = store;
  }

  /**
   * Stores {@code k}, or, when its key id is there, moves that row's {@code notAfter} to {@code
   * k}'s (the rest of a key never changes).
   *
   * @throws StoreException when the store cannot be written; nothing is stored then
   */
  public void publish(AssertionKey k) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO assertion_keys (kid, issuer, node, public_jwk, created_at_ms,"
                    + " not_after_ms) VALUES (?,?,?,?,?,?) ON CONFLICT (kid) DO UPDATE SET"
                    + " not_after_ms = excluded.not_after_ms")) {
      ps.setString(1, k.kid());
      ps.setString(2, k.issuer());
      ps.setString(3, k.node());
      ps.setString(4, k.publicJwk());
      ps.setLong(5, k.created().toEpochMilli());
      ps.setLong(6, k.notAfter().toEpochMilli());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(
          "cannot publish assertion key " + k.kid() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the keys of {@code issuer} still valid at {@code now} (their {@code notAfter} is
   * later), oldest first.
   *
   * @throws StoreException when the store cannot be read, or did not answer within a few seconds or
   *     shortly before (an app's request for the JWKS waits on it: {@link BoundedCalls})
   */
  public List<AssertionKey> current(String issuer, Instant now) {
    return store
        .bounded()
        .run(
            "read the assertion keys of issuer " + issuer,
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT kid, issuer, node, public_jwk, created_at_ms, not_after_ms FROM"
                          + " assertion_keys WHERE issuer = ? AND not_after_ms > ?"
                          + " ORDER BY created_at_ms, kid")) {
                ps.setString(1, issuer);
                ps.setLong(2, now.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                  List<AssertionKey> out = new ArrayList<>();
                  while (rs.next()) {
                    out.add(
                        new AssertionKey(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            Instant.ofEpochMilli(rs.getLong(5)),
                            Instant.ofEpochMilli(rs.getLong(6))));
                  }
                  return out;
                }
              }
            });
  }

  /**
   * Deletes the keys, of every issuer, whose {@code notAfter} is {@code now} or earlier.
   *
   * @return how many were deleted
   * @throws StoreException when the store cannot be written
   */
  public int prune(Instant now) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM assertion_keys WHERE not_after_ms <= ?")) {
      ps.setLong(1, now.toEpochMilli());
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot prune the expired assertion keys: " + e.getMessage(), e);
    }
  }
}
