package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import dev.vigil.store.AssertionKeys;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: the verifier read the gateway's JWKS again only for an unknown key id, so a key the
 * gateway had withdrawn (a stopped node's) was accepted by the app for as long as it ran, and the
 * keys of a gateway it could no longer read were used forever. Over real sockets, against the JWKS
 * of a real gateway whose nodes share a store (a fresh schema of the machine's PostgreSQL), with
 * one clock the test moves for the nodes, the gateway and the app.
 */
class AssertionKeyWithdrawalTest {

  private static final String ISSUER = "vigil";
  private static final Duration LIFETIME = EdgeGateway.ASSERTION_LIFETIME;

  private final StepClock clock = new StepClock(Instant.parse("2026-12-05T09:00:00Z"));
  private final List<AutoCloseable> open = new ArrayList<>();
  private StoreLocation pg;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_akwd_");

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

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  /** A node on the shared store, its key published. */
  private IdentityAssertion node(String name) {
    Store store = keep(Store.open(pg));
    IdentityAssertion node =
        keep(IdentityAssertion.shared(ISSUER, LIFETIME, clock, new AssertionKeys(store), name));
    node.publish();
    return node;
  }

  /** The gateway of {@code node}, serving the JWKS of every node of the store. */
  private EdgeGateway gatewayOf(IdentityAssertion node) {
    return keep(
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(List.of())),
                keep(new DecisionPoint(DecisionPoint.Options.defaults())),
                node,
                clock)));
  }

  private AssertionVerifier appReading(EdgeGateway gateway) {
    return AssertionVerifier.fromJwksUrl(
        URI.create("http://127.0.0.1:" + gateway.port() + IdentityAssertion.JWKS_PATH),
        ISSUER,
        clock);
  }

  /** An assertion {@code node} signs now, on the test's clock. */
  private static String signedBy(IdentityAssertion node) {
    return node.sign("ana", "reports", Map.of());
  }

  private static AssertionRejectedException rejected(AssertionVerifier app, String token) {
    Throwable t = catchThrowable(() -> app.verify(token, "reports"));
    assertThat(t).isInstanceOf(AssertionRejectedException.class);
    return (AssertionRejectedException) t;
  }

  @Test
  void verify_keyOfAStoppedNode_refusedAtMostMaxAgeAfterItLeavesTheJwks() throws Exception {
    IdentityAssertion node1 = node("node-1");
    IdentityAssertion node2 = node("node-2");
    AssertionVerifier app = appReading(gatewayOf(node2));
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");

    // Node 1 stops: its key stays published until its last assertions have expired (90 s).
    node1.close();
    clock.step(Duration.ofSeconds(61));
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");

    // The key leaves the JWKS; the app read the set 29 s ago and uses it until its max-age.
    // Assertions signed with the withdrawn key now stand for one leaked from the node's memory.
    clock.step(Duration.ofSeconds(29));
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");
    clock.step(IdentityAssertion.JWKS_MAX_AGE.minusSeconds(29));

    assertThat(rejected(app, signedBy(node1)).reason()).isEqualTo(Reason.KEY_UNKNOWN);
    assertThat(app.verify(signedBy(node2), "reports").subject()).isEqualTo("ana");
  }

  @Test
  void verify_keyOfANodeThatJoins_acceptedTenSecondsAfterTheLastRead() throws Exception {
    IdentityAssertion node1 = node("node-1");
    AssertionVerifier app = appReading(gatewayOf(node1));
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");

    clock.step(IdentityAssertion.KEYS_CACHE);
    IdentityAssertion node2 = node("node-2");
    // The app read the set 2 s ago: a new key waits until the floor allows another read.
    assertThat(rejected(app, signedBy(node2)).reason()).isEqualTo(Reason.KEY_UNKNOWN);
    clock.step(Duration.ofSeconds(10).minus(IdentityAssertion.KEYS_CACHE));

    assertThat(app.verify(signedBy(node2), "reports").subject()).isEqualTo("ana");
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");
  }

  @Test
  void verify_gatewayUnreachable_lastKeysUsedForMaxStaleThenEveryAssertionRefused()
      throws Exception {
    IdentityAssertion node1 = node("node-1");
    EdgeGateway gateway = gatewayOf(node1);
    AssertionVerifier app = appReading(gateway);
    Instant readAt = clock.instant();
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");

    gateway.close();
    clock.step(AssertionVerifier.MAX_STALE.minusSeconds(1));
    assertThat(app.verify(signedBy(node1), "reports").subject()).isEqualTo("ana");
    clock.step(Duration.ofSeconds(1));

    AssertionRejectedException e = rejected(app, signedBy(node1));
    assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    assertThat(e.getMessage())
        .contains("127.0.0.1:" + gateway.port())
        .contains("read last at " + readAt)
        .contains("more than 150 s ago")
        // Regression: the reason was "ConnectException", the class of a bare exception.
        .contains("connection refused");
  }
}
