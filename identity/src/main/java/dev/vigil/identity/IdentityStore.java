package dev.vigil.identity;

import dev.vigil.identity.CaAuthority.State;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads and writes the identity tables of the store (migration 0002). Thread-safe. */
final class IdentityStore {

  private final Store store;
  private final CaKeyCipher cipher;

  /** With a null {@code cipher}, only what needs no private key may be read. */
  IdentityStore(Store store, CaKeyCipher cipher) {
    this.store = store;
    this.cipher = cipher;
  }

  /** Loads a trust domain, or empty when it has not been created. */
  Optional<TrustDomainCa> load(TrustDomain td, InstantSource clock) {
    try (Connection c = store.dataSource().getConnection()) {
      CaConfig config;
      long sequence;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT key_type, ca_ttl_s, x509_ttl_s, jwt_ttl_s, refresh_hint_s, bundle_sequence"
                  + " FROM identity_trust_domains WHERE name = ?")) {
        ps.setString(1, td.name());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return Optional.empty();
          }
          config =
              new CaConfig(
                  KeyType.parse(rs.getString(1)),
                  Duration.ofSeconds(rs.getLong(2)),
                  Duration.ofSeconds(rs.getLong(3)),
                  Duration.ofSeconds(rs.getLong(4)),
                  Duration.ofSeconds(rs.getLong(5)));
          sequence = rs.getLong(6);
        }
      }
      List<CaAuthority> authorities = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id, state, key_type, certificate_pem, private_key_sealed, jwt_key_id,"
                  + " jwt_public_key, jwt_private_key_sealed, activated_at FROM identity_cas"
                  + " WHERE trust_domain = ? ORDER BY position")) {
        ps.setString(1, td.name());
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            authorities.add(authority(td, rs));
          }
        }
      }
      return Optional.of(TrustDomainCa.restore(td, config, clock, authorities, sequence));
    } catch (SQLException e) {
      throw new StoreException("cannot load trust domain " + td + ": " + e.getMessage(), e);
    }
  }

  private CaAuthority authority(TrustDomain td, ResultSet rs) throws SQLException {
    String id = rs.getString(1);
    KeyType type = KeyType.parse(rs.getString(3));
    String alg = type.name().startsWith("EC") ? "EC" : "RSA";
    var cert = Certificates.readPem(rs.getString(4)).getFirst();
    var key = Certificates.privateKey(cipher.open(rs.getString(5), aad(td, id, "x509")), alg);
    var jwtPrivate = Certificates.privateKey(cipher.open(rs.getString(8), aad(td, id, "jwt")), alg);
    String activated = rs.getString(9);
    return new CaAuthority(
        id,
        State.valueOf(rs.getString(2)),
        type,
        cert,
        key,
        rs.getString(6),
        publicKey(rs.getString(7), alg),
        jwtPrivate,
        activated == null ? null : Instant.parse(activated));
  }

  /**
   * Writes a trust domain and all its roots, replacing what was stored; with {@code create}, only
   * when the trust domain is not stored yet.
   *
   * @return false when {@code create} found the trust domain stored already (another node created
   *     it since it was looked up); nothing is written then
   */
  boolean save(TrustDomainCa ca, boolean create) {
    TrustDomain td = ca.trustDomain();
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        if (create) {
          if (!insertTrustDomain(c, ca)) {
            c.rollback();
            return false;
          }
        } else {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE identity_trust_domains SET bundle_sequence = ? WHERE name = ?")) {
            ps.setLong(1, ca.sequence());
            ps.setString(2, td.name());
            ps.executeUpdate();
          }
        }
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM identity_cas WHERE trust_domain = ?")) {
          ps.setString(1, td.name());
          ps.executeUpdate();
        }
        int position = 0;
        for (CaAuthority a : ca.authorities()) {
          insertAuthority(c, td, a, position++);
        }
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException("cannot save trust domain " + td + ": " + e.getMessage(), e);
    }
  }

  /**
   * Inserts the trust domain's row unless one of that name is there. On PostgreSQL, a node that
   * inserts it while another's insert is not yet committed waits for that one and then inserts
   * nothing, so the loser never writes roots beside the winner's.
   */
  private static boolean insertTrustDomain(Connection c, TrustDomainCa ca) throws SQLException {
    CaConfig cfg = ca.config();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO identity_trust_domains (name, key_type, ca_ttl_s, x509_ttl_s, jwt_ttl_s,"
                + " refresh_hint_s, bundle_sequence, created_at) VALUES (?,?,?,?,?,?,?,?)"
                + " ON CONFLICT (name) DO NOTHING")) {
      ps.setString(1, ca.trustDomain().name());
      ps.setString(2, cfg.keyType().label());
      ps.setLong(3, cfg.caTtl().toSeconds());
      ps.setLong(4, cfg.x509SvidTtl().toSeconds());
      ps.setLong(5, cfg.jwtSvidTtl().toSeconds());
      ps.setLong(6, cfg.refreshHint().toSeconds());
      ps.setLong(7, ca.sequence());
      ps.setString(8, Instant.now().toString());
      return ps.executeUpdate() > 0;
    }
  }

  private void insertAuthority(Connection c, TrustDomain td, CaAuthority a, int position)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO identity_cas (trust_domain, id, position, state, key_type,"
                + " certificate_pem, private_key_sealed, jwt_key_id, jwt_public_key,"
                + " jwt_private_key_sealed, activated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)")) {
      ps.setString(1, td.name());
      ps.setString(2, a.id());
      ps.setInt(3, position);
      ps.setString(4, a.state().name());
      ps.setString(5, a.keyType().label());
      ps.setString(6, Certificates.pem(a.certificate()));
      ps.setString(7, cipher.seal(a.privateKey().getEncoded(), aad(td, a.id(), "x509")));
      ps.setString(8, a.jwtKeyId());
      ps.setString(9, Base64.getEncoder().encodeToString(a.jwtPublicKey().getEncoded()));
      ps.setString(10, cipher.seal(a.jwtPrivateKey().getEncoded(), aad(td, a.id(), "jwt")));
      if (a.activatedAt() == null) {
        ps.setNull(11, Types.VARCHAR);
      } else {
        ps.setString(11, a.activatedAt().toString());
      }
      ps.executeUpdate();
    }
  }

  List<TrustDomain> trustDomains() {
    List<TrustDomain> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT name FROM identity_trust_domains ORDER BY name");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new TrustDomain(rs.getString(1)));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot list trust domains: " + e.getMessage(), e);
    }
  }

  void insertEntry(RegistrationEntry e) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO identity_entries (id, spiffe_id, selectors, ttl_s, dns_names,"
                    + " created_at) VALUES (?,?,?,?,?,?)")) {
      ps.setString(1, e.id());
      ps.setString(2, e.spiffeId().toString());
      ps.setString(3, String.join("\n", e.selectors().stream().map(Selector::toString).toList()));
      if (e.ttl() == null) {
        ps.setNull(4, Types.BIGINT);
      } else {
        ps.setLong(4, e.ttl().toSeconds());
      }
      ps.setString(5, String.join("\n", e.dnsNames()));
      ps.setString(6, e.createdAt().toString());
      ps.executeUpdate();
    } catch (SQLException ex) {
      throw new StoreException(
          "cannot store entry for " + e.spiffeId() + ": " + ex.getMessage(), ex);
    }
  }

  List<RegistrationEntry> entries() {
    List<RegistrationEntry> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT id, spiffe_id, selectors, ttl_s, dns_names, created_at"
                    + " FROM identity_entries ORDER BY spiffe_id, id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        long ttl = rs.getLong(4);
        boolean noTtl = rs.wasNull();
        out.add(
            new RegistrationEntry(
                rs.getString(1),
                SpiffeId.parse(rs.getString(2)),
                lines(rs.getString(3)).stream().map(Selector::parse).toList(),
                noTtl ? null : Duration.ofSeconds(ttl),
                lines(rs.getString(5)),
                Instant.parse(rs.getString(6))));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot list entries: " + e.getMessage(), e);
    }
  }

  boolean deleteEntry(String id) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM identity_entries WHERE id = ?")) {
      ps.setString(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StoreException("cannot delete entry " + id + ": " + e.getMessage(), e);
    }
  }

  void revoke(TrustDomain td, BigInteger serial, Instant revokedAt, Instant notAfter) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO identity_revoked (trust_domain, serial, revoked_at, not_after)"
                    + " VALUES (?,?,?,?)")) {
      ps.setString(1, td.name());
      ps.setString(2, serial.toString(16));
      ps.setString(3, revokedAt.toString());
      ps.setString(4, notAfter.toString());
      ps.executeUpdate();
    } catch (SQLException e) {
      if (revoked(td).contains(serial)) {
        return;
      }
      throw new StoreException(
          "cannot revoke serial " + serial.toString(16) + ": " + e.getMessage(), e);
    }
  }

  List<BigInteger> revoked(TrustDomain td) {
    List<BigInteger> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT serial FROM identity_revoked WHERE trust_domain = ?")) {
      ps.setString(1, td.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new BigInteger(rs.getString(1), 16));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read revoked serials: " + e.getMessage(), e);
    }
  }

  void saveFederated(TrustBundle bundle, String source, Instant at) {
    try (Connection c = store.dataSource().getConnection()) {
      Store.begin(c);
      try {
        try (PreparedStatement ps =
            c.prepareStatement("DELETE FROM identity_federated_bundles WHERE trust_domain = ?")) {
          ps.setString(1, bundle.trustDomain().name());
          ps.executeUpdate();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO identity_federated_bundles (trust_domain, bundle_json, source,"
                    + " imported_at) VALUES (?,?,?,?)")) {
          ps.setString(1, bundle.trustDomain().name());
          ps.setString(2, bundle.toJson());
          ps.setString(3, source);
          ps.setString(4, at.toString());
          ps.executeUpdate();
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(
          "cannot store the bundle of " + bundle.trustDomain() + ": " + e.getMessage(), e);
    }
  }

  Optional<TrustBundle> federated(TrustDomain td) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT bundle_json FROM identity_federated_bundles WHERE trust_domain = ?")) {
      ps.setString(1, td.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(TrustBundle.parse(td, rs.getString(1))) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the bundle of " + td + ": " + e.getMessage(), e);
    }
  }

  List<TrustDomain> federatedTrustDomains() {
    List<TrustDomain> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT trust_domain FROM identity_federated_bundles ORDER BY trust_domain");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.add(new TrustDomain(rs.getString(1)));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot list federated bundles: " + e.getMessage(), e);
    }
  }

  /** Returns every trust domain's roots, certificates only: no private key is opened. */
  List<StoredIdentity.TrustDomainRoots> roots() {
    Map<String, List<StoredIdentity.Root>> roots = new LinkedHashMap<>();
    List<StoredIdentity.TrustDomainRoots> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection()) {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT trust_domain, id, state, certificate_pem, activated_at FROM identity_cas"
                      + " ORDER BY trust_domain, position");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String activated = rs.getString(5);
          roots
              .computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
              .add(
                  new StoredIdentity.Root(
                      rs.getString(2),
                      State.valueOf(rs.getString(3)),
                      Certificates.readPem(rs.getString(4)).getFirst(),
                      activated == null ? null : Instant.parse(activated)));
        }
      }
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT name, x509_ttl_s, refresh_hint_s FROM identity_trust_domains"
                      + " ORDER BY name");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(
              new StoredIdentity.TrustDomainRoots(
                  new TrustDomain(rs.getString(1)),
                  Duration.ofSeconds(rs.getLong(2)),
                  Duration.ofSeconds(rs.getLong(3)),
                  roots.getOrDefault(rs.getString(1), List.of())));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read the roots of trust domains: " + e.getMessage(), e);
    }
  }

  /** Returns every imported bundle with its source and when it was imported. */
  List<StoredIdentity.Federation> federations() {
    List<StoredIdentity.Federation> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT trust_domain, bundle_json, source, imported_at"
                    + " FROM identity_federated_bundles ORDER BY trust_domain");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        TrustDomain td = new TrustDomain(rs.getString(1));
        out.add(
            new StoredIdentity.Federation(
                TrustBundle.parse(td, rs.getString(2)),
                rs.getString(3),
                Instant.parse(rs.getString(4))));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read federated bundles: " + e.getMessage(), e);
    }
  }

  /** Returns how many serials are revoked, by trust domain. */
  Map<String, Long> revokedCounts() {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT trust_domain, COUNT(*) FROM identity_revoked GROUP BY trust_domain");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot count revoked serials: " + e.getMessage(), e);
    }
  }

  private static List<String> lines(String s) {
    return s == null || s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
  }

  private static String aad(TrustDomain td, String caId, String use) {
    return td.name() + "/" + caId + "/" + use;
  }

  private static PublicKey publicKey(String b64, String alg) {
    try {
      return KeyFactory.getInstance(alg)
          .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("stored JWT public key does not parse", e);
    }
  }
}
