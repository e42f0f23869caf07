package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.JoinTokenException.Problem;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Agents join once with a token, hold their own SVID, and renew it by showing it. */
class JoinTokensTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private Store store;
  private Identities ids;

  @BeforeEach
  void open() {
    store = Store.open(StoreLocation.embedded(dir.resolve("data")));
    ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            clock,
            CaConfig.defaults());
    ids.trustDomain(prod);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private void assertRefused(String token, Problem problem) {
    assertThatThrownBy(() -> ids.joinTokens().redeem(token))
        .isInstanceOfSatisfying(
            JoinTokenException.class, e -> assertThat(e.problem()).isEqualTo(problem))
        .hasMessageNotContaining(token);
  }

  @Test
  void redeem_freshToken_issuesTheAgentsOwnSvid() throws Exception {
    JoinTokens.Issued t = ids.joinTokens().create(prod, Duration.ofMinutes(10));

    X509Svid svid = ids.joinTokens().redeem(t.token());

    assertThat(svid.id()).isEqualTo(t.agentId());
    assertThat(svid.id().toString()).startsWith("spiffe://prod.example/vigil/agent/");
    assertThat(JoinTokens.isAgentId(svid.id())).isTrue();
    assertThat(ids.x509Validator().validate(svid.chain())).isEqualTo(t.agentId());
  }

  @Test
  void create_storesOnlyTheTokensHash() throws Exception {
    JoinTokens.Issued t = ids.joinTokens().create(prod, Duration.ofMinutes(10));
    try (Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT token_hash FROM identity_join_tokens")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).hasSize(64).isNotEqualTo(t.token());
    }
    assertThat(t.toString()).doesNotContain(t.token());
  }

  @Test
  void redeem_secondTime_isRefusedAsAlreadyUsed() {
    JoinTokens.Issued t = ids.joinTokens().create(prod, Duration.ofMinutes(10));
    ids.joinTokens().redeem(t.token());

    assertRefused(t.token(), Problem.ALREADY_USED);
  }

  @Test
  void redeem_afterTtl_isRefusedAsExpired() {
    JoinTokens.Issued t = ids.joinTokens().create(prod, Duration.ofMinutes(10));
    clock.step(Duration.ofMinutes(10));

    assertRefused(t.token(), Problem.EXPIRED);
  }

  @Test
  void redeem_unknownToken_isRefused() {
    assertRefused("not-a-token-anyone-made", Problem.UNKNOWN);
  }

  @Test
  void create_trustDomainWithoutCaHere_isRefusedNamingThoseThatHaveOne_andCreatesNothing() {
    TrustDomain typo = new TrustDomain("prdo.example");

    assertThatThrownBy(() -> ids.joinTokens().create(typo, Duration.ofMinutes(10)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trust domain prdo.example has no CA here")
        .hasMessageContaining("trust domains here: prod.example");
    assertThat(ids.trustDomains()).containsExactly(prod);
  }

  @Test
  void create_zeroTtl_isRefused() {
    assertThatThrownBy(() -> ids.joinTokens().create(prod, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("TTL must be positive");
  }

  @Test
  void renew_revokedAgentSvid_isRefused() throws Exception {
    X509Svid svid =
        ids.joinTokens().redeem(ids.joinTokens().create(prod, Duration.ofMinutes(1)).token());
    ids.revoke(svid.leaf());

    assertThatThrownBy(() -> ids.joinTokens().renew(svid))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(SvidRejectedException.Reason.REVOKED));
  }

  @Test
  void renew_workloadSvid_isRefusedAsNotAnAgent() {
    X509Svid workload =
        ids.issueX509(SpiffeId.parse("spiffe://prod.example/web"), java.util.List.of(), null);

    assertThatThrownBy(() -> ids.joinTokens().renew(workload))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(SvidRejectedException.Reason.NOT_AN_AGENT))
        .hasMessageContaining("is not an agent's");
  }

  @Test
  void renew_agentSvidWithAnotherKey_isRefusedAsKeyMismatch() {
    X509Svid svid =
        ids.joinTokens().redeem(ids.joinTokens().create(prod, Duration.ofMinutes(1)).token());
    X509Svid other =
        ids.issueX509(SpiffeId.parse("spiffe://prod.example/web"), java.util.List.of(), null);
    X509Svid stolen = new X509Svid(svid.id(), svid.chain(), other.privateKey());

    assertThatThrownBy(() -> ids.joinTokens().renew(stolen))
        .isInstanceOfSatisfying(
            SvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(SvidRejectedException.Reason.KEY_MISMATCH));
  }

  @Test
  void agentSvid_renewsAtHalfLifeAndResumesFromItsDirectory() throws Exception {
    Path agentDir = dir.resolve("agent");
    JoinTokens.Issued t = ids.joinTokens().create(prod, Duration.ofMinutes(10));
    AgentSvid own = AgentSvid.join(ids.joinTokens(), t.token(), agentDir, clock);
    var first = own.current().serial();

    assertThat(own.renewIfDue()).isFalse();
    clock.step(Duration.ofMinutes(30));
    assertThat(own.renewIfDue()).isTrue();
    assertThat(own.current().serial()).isNotEqualTo(first);
    assertThat(own.id()).isEqualTo(t.agentId());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(agentDir.resolve("svid.key"))))
        .isEqualTo("rw-------");

    AgentSvid resumed = AgentSvid.resume(ids.joinTokens(), agentDir, clock);
    assertThat(resumed.id()).isEqualTo(t.agentId());
    assertThat(ids.x509Validator().validate(resumed.current().chain())).isEqualTo(t.agentId());
  }

  @Test
  void agentSvid_resumeAfterExpiry_saysToJoinAgain() {
    Path agentDir = dir.resolve("agent");
    AgentSvid.join(
        ids.joinTokens(),
        ids.joinTokens().create(prod, Duration.ofMinutes(10)).token(),
        agentDir,
        clock);
    clock.step(Duration.ofHours(2));

    assertThatThrownBy(() -> AgentSvid.resume(ids.joinTokens(), agentDir, clock))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("join again with a new --join-token");
  }
}
