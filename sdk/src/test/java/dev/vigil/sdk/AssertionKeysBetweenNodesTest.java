package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import dev.vigil.store.AssertionKey;
import dev.vigil.store.AssertionKeys;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several gateway nodes on one store: an assertion signed by one node verifies, with the SDK's
 * verifier, against the JWKS of another, because each node publishes its public key in the store
 * and serves the keys of all. Runs on a fresh schema of the machine's PostgreSQL, and on SQLite for
 * a restart of one node.
 */
class AssertionKeysBetweenNodesTest {

  private static final String ISSUER = "vigil";
  private static final Duration LIFETIME = EdgeGateway.ASSERTION_LIFETIME;

  @TempDir Path tmp;

  private final StepClock clock = new StepClock(Instant.parse("2026-12-05T09:00:00Z"));
  private final List<AutoCloseable> open = new ArrayList<>();
  private StoreLocation pg;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_akeys_");

  @BeforeEach
  void schema() throws Exception {
    pg = schemas.createLocation();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** One node: its own pool on the shared store and its own key. */
  private IdentityAssertion node(StoreLocation where, String name) {
    Store store = keep(Store.open(where));
    IdentityAssertion node =
        keep(IdentityAssertion.shared(ISSUER, LIFETIME, clock, new AssertionKeys(store), name));
    node.publish();
    return node;
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private AssertionVerifier verifierOf(IdentityAssertion node) {
    return AssertionVerifier.fromKeys(node.jwks(), ISSUER, clock);
  }

  private static List<String> kids(String jwks) throws Exception {
    return JWKSet.parse(jwks).getKeys().stream().map(k -> k.getKeyID()).toList();
  }

  @Test
  void verify_assertionOfNode1_againstJwksOfNode2_isAccepted() throws Exception {
    IdentityAssertion node1 = node(pg, "node-1");
    IdentityAssertion node2 = node(pg, "node-2");

    String token = node1.sign("ana", "reports", Map.of("email", "ana@example.com"));

    VerifiedCaller c = verifierOf(node2).verify(token, "reports");
    assertThat(c.subject()).isEqualTo("ana");
    assertThat(verifierOf(node1).verify(node2.sign("bo", "reports", Map.of()), "reports").subject())
        .isEqualTo("bo");
  }

  @Test
  void verify_fromJwksUrlOfNode2sGateway_acceptsAnAssertionOfNode1() throws Exception {
    IdentityAssertion node1 = node(pg, "node-1");
    IdentityAssertion node2 = node(pg, "node-2");
    EdgeGateway gateway2 =
        keep(
            EdgeGateway.start(
                EdgeGateway.Settings.of(
                    "127.0.0.1",
                    0,
                    new AtomicReference<>(new RouteTable(List.of())),
                    keep(new DecisionPoint(DecisionPoint.Options.defaults())),
                    node2,
                    clock)));
    AssertionVerifier app =
        AssertionVerifier.fromJwksUrl(
            URI.create("http://127.0.0.1:" + gateway2.port() + IdentityAssertion.JWKS_PATH),
            ISSUER,
            clock);

    VerifiedCaller c = app.verify(node1.sign("ana", "reports", Map.of()), "reports");

    assertThat(c.subject()).isEqualTo("ana");
  }

  @Test
  void verify_unknownOrForgedKid_isStillRefused() throws Exception {
    IdentityAssertion node1 = node(pg, "node-1");
    IdentityAssertion node2 = node(pg, "node-2");
    AssertionVerifier app = verifierOf(node2);
    // A key of the store that belongs to another issuer is not served under this one.
    Store store = keep(Store.open(pg));
    IdentityAssertion sidecar = new IdentityAssertion("vigil-sidecar", LIFETIME, clock);
    new AssertionKeys(store)
        .publish(
            new AssertionKey(
                sidecar.keyId(),
                "vigil-sidecar",
                "sidecar-1",
                ((ECKey) JWKSet.parse(sidecar.jwks()).getKeys().getFirst()).toJSONString(),
                clock.instant(),
                clock.instant().plus(Duration.ofHours(1))));
    clock.step(IdentityAssertion.KEYS_CACHE);
    app = verifierOf(node2);

    String unknown =
        new IdentityAssertion(ISSUER, LIFETIME, clock).sign("mallory", "reports", Map.of());
    String otherIssuersKey = sidecar.sign("mallory", "reports", Map.of());
    String forged = forge(node1.keyId(), "mallory");

    AssertionVerifier verifier = app;
    assertThatThrownBy(() -> verifier.verify(unknown, "reports"))
        .extracting(e -> ((AssertionRejectedException) e).reason())
        .isEqualTo(Reason.KEY_UNKNOWN);
    assertThatThrownBy(() -> verifier.verify(otherIssuersKey, "reports"))
        .extracting(e -> ((AssertionRejectedException) e).reason())
        .isEqualTo(Reason.KEY_UNKNOWN);
    assertThatThrownBy(() -> verifier.verify(forged, "reports"))
        .extracting(e -> ((AssertionRejectedException) e).reason())
        .isEqualTo(Reason.SIGNATURE);
  }

  /** An assertion that names {@code kid} but is signed with a key of the forger's own. */
  private String forge(String kid, String subject) throws Exception {
    ECKey own = new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
    Instant now = clock.instant();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).type(JOSEObjectType.JWT).build(),
            new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(subject)
                .audience("reports")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(LIFETIME)))
                .build());
    jwt.sign(new ECDSASigner(own));
    return jwt.serialize();
  }

  @Test
  void jwks_keyOfAStoppedNode_staysUntilItsAssertionsExpireThenLeaves() throws Exception {
    IdentityAssertion node1 = node(pg, "node-1");
    IdentityAssertion node2 = node(pg, "node-2");
    String last = node1.sign("ana", "reports", Map.of());
    node1.close();

    clock.step(LIFETIME);
    assertThat(kids(node2.jwks())).contains(node1.keyId(), node2.keyId());
    assertThat(verifierOf(node2).verify(last, "reports").subject()).isEqualTo("ana");

    clock.step(AssertionVerifier.SKEW.plusSeconds(1));
    assertThat(kids(node2.jwks())).containsExactly(node2.keyId());
  }

  @Test
  void jwks_keyOfACrashedNode_leavesAtItsBound() throws Exception {
    IdentityAssertion node2 = node(pg, "node-2");
    Store store = keep(Store.open(pg));
    // What a node that stopped without closing leaves: a row renewed last at the clock's now.
    ECKey crashed = new ECKeyGenerator(Curve.P_256).keyID("crashed").generate();
    Instant bound = clock.instant().plus(Duration.ofMinutes(3));
    new AssertionKeys(store)
        .publish(
            new AssertionKey(
                "crashed",
                ISSUER,
                "node-1",
                crashed.toPublicJWK().toJSONString(),
                clock.instant(),
                bound));

    assertThat(kids(node2.jwks())).contains("crashed");

    clock.step(Duration.ofMinutes(3));
    assertThat(kids(node2.jwks())).containsExactly(node2.keyId());
  }

  @Test
  void jwks_afterARestartOnSqlite_servesThePreviousRunsKeyUntilItsAssertionsExpire()
      throws Exception {
    StoreLocation sqlite = StoreLocation.embedded(tmp);
    String last;
    String firstKid;
    try (Store store = Store.open(sqlite);
        IdentityAssertion run1 =
            IdentityAssertion.shared(ISSUER, LIFETIME, clock, new AssertionKeys(store), "node-1")) {
      run1.publish();
      last = run1.sign("ana", "reports", Map.of());
      firstKid = run1.keyId();
    }

    clock.step(Duration.ofSeconds(5));
    IdentityAssertion run2 = node(sqlite, "node-1");

    assertThat(verifierOf(run2).verify(last, "reports").subject()).isEqualTo("ana");
    clock.step(LIFETIME.plus(AssertionVerifier.SKEW));
    assertThat(kids(run2.jwks())).containsExactly(run2.keyId()).doesNotContain(firstKid);
  }
}
