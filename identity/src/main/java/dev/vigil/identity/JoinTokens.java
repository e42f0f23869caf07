package dev.vigil.identity;

import dev.vigil.identity.JoinTokenException.Problem;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.Signature;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One-time join tokens, by which a {@code vigil agent} gets its own SVID, {@code
 * spiffe://TD/vigil/agent/ID}, and then renews it by showing the SVID it holds.
 *
 * <p>A token is 256 random bits; only its SHA-256 is stored (migration 0004), so a copy of the
 * store does not hold usable tokens. Redeeming marks the token used in the same statement that
 * checks it is unused, so two agents, even on two nodes sharing PostgreSQL, cannot both redeem it.
 * Thread-safe.
 */
public final class JoinTokens {

  private static final Logger log = LoggerFactory.getLogger(JoinTokens.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final List<String> AGENT_PREFIX = List.of("vigil", "agent");

  /**
   * A token as created; {@link #toString()} does not show it.
   *
   * @param token the secret to hand to the agent, shown once
   * @param agentId the SPIFFE ID the agent will hold
   * @param expiresAt when the token stops working if unused
   */
  public record Issued(String token, SpiffeId agentId, Instant expiresAt) {
    @Override
    public String toString() {
      return "JoinToken[" + agentId + ", expires " + expiresAt + "]";
    }
  }

  private final Store store;
  private final Identities identities;
  private final InstantSource clock;

  JoinTokens(Store store, Identities identities, InstantSource clock) {
    this.store = store;
    this.identities = identities;
    this.clock = clock;
  }

  /** Returns true when {@code id} names an agent ({@code /vigil/agent/ID}). */
  public static boolean isAgentId(SpiffeId id) {
    List<String> s = id.segments();
    return s.size() == 3 && s.subList(0, 2).equals(AGENT_PREFIX);
  }

  /**
   * Creates a token that lets one agent join {@code td} within {@code ttl}.
   *
   * @throws IllegalArgumentException when the TTL is not positive, or when {@code td} has no CA
   *     here: redeeming the token would create one, so a misspelt trust domain would become a new
   *     one that nothing trusts
   */
  public Issued create(TrustDomain td, Duration ttl) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("join token TTL must be positive, got " + ttl);
    }
    if (identities.existing(td).isEmpty()) {
      List<TrustDomain> here = identities.trustDomains();
      throw new IllegalArgumentException(
          "trust domain "
              + td
              + " has no CA here ("
              + (here.isEmpty()
                  ? "none has yet"
                  : "trust domains here: "
                      + String.join(", ", here.stream().map(TrustDomain::name).toList()))
              + "); its CA is made by vigil up for a configured trust domain, or by the first"
              + " vigil identity issue in it");
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    byte[] idBytes = new byte[8];
    RANDOM.nextBytes(idBytes);
    SpiffeId agentId = SpiffeId.of(td, "vigil", "agent", HexFormat.of().formatHex(idBytes));
    Instant now = clock.instant();
    Instant expires = now.plus(ttl);
    insert(hash(token), td, agentId, now, expires);
    log.info("join token created for {} (expires {})", agentId, expires);
    return new Issued(token, agentId, expires);
  }

  /**
   * Redeems a token once and returns the agent's first SVID.
   *
   * @throws JoinTokenException when the token is unknown, already used or expired
   */
  public X509Svid redeem(String token) {
    String hash = hash(token == null ? "" : token.strip());
    try (Connection c = store.dataSource().getConnection()) {
      SpiffeId agentId = checkRedeemable(c, hash);
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE identity_join_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS"
                  + " NULL")) {
        ps.setString(1, clock.instant().toString());
        ps.setString(2, hash);
        if (ps.executeUpdate() != 1) {
          throw new JoinTokenException(
              Problem.ALREADY_USED, "join token was redeemed by another agent just now");
        }
      }
      log.info("join token redeemed by {}", agentId);
      return identities.issueX509(agentId, List.of(), null);
    } catch (SQLException e) {
      throw new StoreException("cannot redeem a join token: " + e.getMessage(), e);
    }
  }

  /**
   * Renews an agent's SVID: the current one must verify (not expired, not revoked), name an agent,
   * and come with its own private key.
   *
   * @throws SvidRejectedException when the current SVID does not pass
   */
  public X509Svid renew(X509Svid current) throws SvidRejectedException {
    SpiffeId id = identities.x509Validator().validate(current.chain());
    if (!isAgentId(id)) {
      throw new SvidRejectedException(
          SvidRejectedException.Reason.NOT_AN_AGENT,
          "X.509-SVID " + id + " is not an agent's (spiffe://TD/vigil/agent/ID)");
    }
    if (!holdsKey(current)) {
      throw new SvidRejectedException(
          SvidRejectedException.Reason.KEY_MISMATCH,
          "X.509-SVID " + id + ": the private key does not match the certificate");
    }
    return identities.issueX509(id, List.of(), null);
  }

  private SpiffeId checkRedeemable(Connection c, String hash) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT agent_id, expires_at, used_at FROM identity_join_tokens WHERE token_hash ="
                + " ?")) {
      ps.setString(1, hash);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new JoinTokenException(
              Problem.UNKNOWN,
              "join token not recognised: it was not created on this Vigil, or is mistyped");
        }
        SpiffeId agentId = SpiffeId.parse(rs.getString(1));
        Instant expires = Instant.parse(rs.getString(2));
        String used = rs.getString(3);
        if (used != null) {
          throw new JoinTokenException(
              Problem.ALREADY_USED,
              "join token for "
                  + agentId
                  + " was already used at "
                  + used
                  + "; a join token works once, create a new one");
        }
        if (!clock.instant().isBefore(expires)) {
          throw new JoinTokenException(
              Problem.EXPIRED,
              "join token for " + agentId + " expired at " + expires + "; create a new one");
        }
        return agentId;
      }
    }
  }

  private void insert(String hash, TrustDomain td, SpiffeId agentId, Instant now, Instant exp) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO identity_join_tokens (token_hash, trust_domain, agent_id, created_at,"
                    + " expires_at) VALUES (?,?,?,?,?)")) {
      ps.setString(1, hash);
      ps.setString(2, td.name());
      ps.setString(3, agentId.toString());
      ps.setString(4, now.toString());
      ps.setString(5, exp.toString());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException("cannot store a join token: " + e.getMessage(), e);
    }
  }

  /** Proves possession: a signature by the SVID's key verifies under its certificate. */
  private static boolean holdsKey(X509Svid svid) {
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      String alg = KeyType.of(svid.leaf().getPublicKey()).signatureAlgorithm();
      Signature s = Signature.getInstance(alg);
      s.initSign(svid.privateKey());
      s.update(challenge);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(svid.leaf().getPublicKey());
      v.update(challenge);
      return v.verify(sig);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String hash(String token) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
