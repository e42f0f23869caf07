package dev.vigil.gateway.edge;

import static dev.vigil.gateway.edge.OidcEdge.browser;
import static dev.vigil.gateway.edge.OidcEdge.get;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a refusal the full decision log has no room for is counted, not logged, and has no
 * decision id; the OIDC callback told a refusal from a sign-in by its decision id, so such a
 * refusal fell through to the sign-in path and was answered 500. It is answered 403, at once,
 * without a session and without a decision id. The callback is a real one from a mock provider,
 * replayed without the browser's cookie (case C10) while the log's writer is held by a lock.
 */
class EdgeOidcFullLogTest {

  @TempDir static Path tmp;
  static OidcEdge edge;
  static MockOAuth2Server idp;
  static EdgeGateway gateway;
  static int port;
  static Store store;
  static DecisionLog log;
  static DecisionPoint pdp;

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults().withCapacity(4));
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withV0(true).withDecisionLog(log));
    edge = OidcEdge.start(pdp);
    idp = edge.idp();
    gateway = edge.gateway();
    port = edge.port();
  }

  @AfterAll
  static void stop() {
    edge.close();
    log.close();
    store.close();
  }

  @Test
  void callbackWithoutTheBrowsersCookie_logFull_refused403AtOnceWithoutIdOrSession()
      throws Exception {
    String callback = edge.callbackUrl(browser(), "alice", List.of("sre"));
    HttpResponse<String> attacker;
    long tookMs;
    try (Connection locker = store.dataSource().getConnection();
        Statement lock = locker.createStatement()) {
      lock.execute("BEGIN IMMEDIATE");
      fill();

      long began = System.nanoTime();
      attacker = get(HttpClient.newHttpClient(), callback);
      tookMs = (System.nanoTime() - began) / 1_000_000;
      lock.execute("ROLLBACK");
    }

    assertThat(attacker.statusCode()).isEqualTo(403);
    assertThat(attacker.headers().allValues("Set-Cookie"))
        .noneMatch(c -> c.startsWith("vigil_session="));
    assertThat(attacker.headers().firstValue("X-Vigil-Decision-Id")).isEmpty();
    assertThat(attacker.body()).doesNotContain("decision_id");
    assertThat(tookMs).isLessThan(3_000);
    assertThat(pdp.unloggedRefusals().total("SIGN_IN_REFUSED")).isEqualTo(1);
  }

  /** Queues records until the log, whose writer waits on the lock, has no room left. */
  private static void fill() throws Exception {
    for (int i = 0; i < 100; i++) {
      String id = UUID.randomUUID().toString();
      DecisionRecord r =
          new DecisionRecord(
              id, Instant.now(), "fill", null, null, true, "enforce", true, "local", "{}");
      if (log.tryAppend(() -> r) == null) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the decision log never filled up");
  }
}
