package dev.vigil.access;

import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads and writes the device tables of the store (migration 0003). Thread-safe. */
final class DeviceStore {

  record CaRow(String id, String certificatePem, String sealedKey) {}

  record DeviceRow(
      String id,
      String name,
      String certificatePem,
      String serial,
      long enrolledAtMs,
      long notAfterMs,
      Long revokedAtMs) {}

  record ReportRow(String deviceId, long issuedAtMs, String postureJson) {}

  private final Store store;

  DeviceStore(Store store) {
    this.store = store;
  }

  Optional<CaRow> ca() {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, certificate_pem, private_key_sealed FROM device_cas"
                    + " ORDER BY created_at_ms, id LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next()
          ? Optional.of(new CaRow(rs.getString(1), rs.getString(2), rs.getString(3)))
          : Optional.empty();
    } catch (SQLException e) {
      throw failed("load the device CA", e);
    }
  }

  /**
   * Inserts {@code ca} unless a CA with its id is there already.
   *
   * @return whether it was inserted
   */
  boolean insertCaIfAbsent(CaRow ca, long nowMs) {
    return update(
            "store the device CA",
            "INSERT INTO device_cas (id, certificate_pem, private_key_sealed, created_at_ms)"
                + " VALUES (?,?,?,?) ON CONFLICT (id) DO NOTHING",
            ca.id(),
            ca.certificatePem(),
            ca.sealedKey(),
            nowMs)
        > 0;
  }

  void insertToken(String tokenHash, String label, long expiresAtMs) {
    update(
        "store the enrolment token",
        "INSERT INTO device_tokens (token_hash, label, expires_at_ms) VALUES (?,?,?)",
        tokenHash,
        label,
        expiresAtMs);
  }

  /**
   * Records an enrolled device; with a token hash, spends that one-time token in the same
   * transaction, so a token enrols at most one device even when two requests race.
   *
   * @throws DeviceException {@code bad_token} when the token is unknown, spent or expired
   */
  void enroll(String tokenHash, DeviceRow d, long nowMs) {
    try {
      inTransaction(
          c -> {
            if (tokenHash != null) {
              spendToken(c, tokenHash, d.id(), nowMs);
            }
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO devices (id, name, certificate_pem, serial, enrolled_at_ms,"
                        + " not_after_ms) VALUES (?,?,?,?,?,?)")) {
              bind(
                  ps,
                  d.id(),
                  d.name(),
                  d.certificatePem(),
                  d.serial(),
                  d.enrolledAtMs(),
                  d.notAfterMs());
              ps.executeUpdate();
            }
          });
    } catch (SQLException e) {
      throw failed("enrol device " + d.id(), e);
    }
  }

  /** What runs inside one transaction. */
  private interface Work {
    void run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
   */
  private void inTransaction(Work work) throws SQLException {
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        work.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    }
  }

  private static void spendToken(Connection c, String hash, String deviceId, long nowMs)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT expires_at_ms, used_at_ms FROM device_tokens WHERE token_hash = ?")) {
      ps.setString(1, hash);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new DeviceException("bad_token", "enrolment token is not known");
        }
        rs.getLong(2);
        if (!rs.wasNull()) {
          throw new DeviceException("bad_token", "enrolment token was already used");
        }
        if (rs.getLong(1) <= nowMs) {
          throw new DeviceException("bad_token", "enrolment token has expired");
        }
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE device_tokens SET used_at_ms = ?, device_id = ?"
                + " WHERE token_hash = ? AND used_at_ms IS NULL")) {
      bind(ps, nowMs, deviceId, hash);
      if (ps.executeUpdate() != 1) {
        throw new DeviceException("bad_token", "enrolment token was already used");
      }
    }
  }

  Optional<DeviceRow> device(String id) {
    List<DeviceRow> rows = devices("WHERE id = ?", id);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  List<DeviceRow> devices() {
    return devices("ORDER BY enrolled_at_ms");
  }

  private List<DeviceRow> devices(String where, Object... args) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, name, certificate_pem, serial, enrolled_at_ms, not_after_ms,"
                    + " revoked_at_ms FROM devices "
                    + where)) {
      bind(ps, args);
      List<DeviceRow> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long revoked = rs.getLong(7);
          Long r = rs.wasNull() ? null : revoked;
          out.add(
              new DeviceRow(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  rs.getString(4),
                  rs.getLong(5),
                  rs.getLong(6),
                  r));
        }
      }
      return out;
    } catch (SQLException e) {
      throw failed("read devices", e);
    }
  }

  /** Marks a device revoked; returns false when there is no such device. */
  boolean revoke(String id, long nowMs) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "UPDATE devices SET revoked_at_ms = ? WHERE id = ? AND revoked_at_ms IS NULL")) {
      bind(ps, nowMs, id);
      return ps.executeUpdate() == 1 || device(id).isPresent();
    } catch (SQLException e) {
      throw failed("revoke device " + id, e);
    }
  }

  /**
   * Stores an accepted report.
   *
   * @throws DeviceException {@code replay} when the nonce was seen before or a newer report of the
   *     device is already stored
   */
  void insertReport(PostureReport r, String postureJson, String jws, long nowMs) {
    try {
      inTransaction(
          c -> {
            refuseReplay(c, r);
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO device_reports (device_id, nonce, issued_at_ms, received_at_ms,"
                        + " posture_json, jws) VALUES (?,?,?,?,?,?)")) {
              bind(
                  ps,
                  r.deviceId(),
                  r.nonce(),
                  r.issuedAt().toEpochMilli(),
                  nowMs,
                  postureJson,
                  jws);
              ps.executeUpdate();
            }
          });
    } catch (SQLException e) {
      // Two nodes racing with the same report: the primary key refuses the second.
      if (device(r.deviceId()).isPresent() && nonceSeen(r)) {
        throw new DeviceException(
            "replay", "report nonce of device " + r.deviceId() + " was already used");
      }
      throw failed("store the report of device " + r.deviceId(), e);
    }
  }

  private static void refuseReplay(Connection c, PostureReport r) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT MAX(issued_at_ms), SUM(CASE WHEN nonce = ? THEN 1 ELSE 0 END)"
                + " FROM device_reports WHERE device_id = ?")) {
      bind(ps, r.nonce(), r.deviceId());
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long latest = rs.getLong(1);
        boolean any = !rs.wasNull();
        if (rs.getLong(2) > 0) {
          throw new DeviceException(
              "replay", "report nonce of device " + r.deviceId() + " was already used");
        }
        if (any && r.issuedAt().toEpochMilli() < latest) {
          throw new DeviceException(
              "replay", "report is older than the latest report of device " + r.deviceId());
        }
      }
    }
  }

  private boolean nonceSeen(PostureReport r) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT 1 FROM device_reports WHERE device_id = ? AND nonce = ?")) {
      bind(ps, r.deviceId(), r.nonce());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /** Returns the latest report of every device that has one. */
  Map<String, ReportRow> latestReports() {
    String sql =
        "SELECT r.device_id, r.issued_at_ms, r.posture_json FROM device_reports r JOIN"
            + " (SELECT device_id, MAX(issued_at_ms) AS m FROM device_reports GROUP BY device_id)"
            + " l ON r.device_id = l.device_id AND r.issued_at_ms = l.m";
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql);
        ResultSet rs = ps.executeQuery()) {
      Map<String, ReportRow> out = new HashMap<>();
      while (rs.next()) {
        out.put(rs.getString(1), new ReportRow(rs.getString(1), rs.getLong(2), rs.getString(3)));
      }
      return out;
    } catch (SQLException e) {
      throw failed("read posture reports", e);
    }
  }

  private int update(String what, String sql, Object... args) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    } catch (SQLException e) {
      throw failed(what, e);
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case Long l -> ps.setLong(i + 1, l);
        case String s -> ps.setString(i + 1, s);
        default -> throw new IllegalArgumentException("cannot bind " + args[i].getClass());
      }
    }
  }

  private static StoreException failed(String what, SQLException e) {
    return new StoreException("cannot " + what + ": " + e.getMessage(), e);
  }
}
