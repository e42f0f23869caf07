package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request no route serves is refused with 404 and, like every other refusal before policy, logged
 * as a denied decision with an id: a scan or a client pointed at a moved service shows in the log.
 */
class EdgeNoRouteTest {

  @TempDir static Path tmp;
  static Store store;
  static DecisionLog log;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    Route wiki =
        new Route(
            "wiki",
            "wiki.example",
            "/docs",
            URI.create("http://127.0.0.1:1"),
            "gw/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(List.of(wiki))),
                pdp,
                new IdentityAssertion(
                    "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                InstantSource.system()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    log.close();
    store.close();
  }

  @Test
  void otherHost_is404WithADecisionIdAndALoggedRefusal() throws Exception {
    String[] r = EdgeGatewayTest.raw(gateway.port(), "/docs/a?q=1", "intranet.example");

    assertThat(r[0]).isEqualTo("404");
    assertThat(r[1]).contains("\"error\":\"no_route\"");
    String id = EdgeSecurityCasesTest.decisionId(r);
    assertThat(r[1]).contains("X-Vigil-Decision-Id: " + id);
    // Time-ordered, as the ids of the decisions policies make.
    assertThat(UUID.fromString(id).version()).isEqualTo(7);
    DecisionRecord rec = Fixtures.awaitRecord(store, id);
    assertThat(rec.allowed()).isFalse();
    assertThat(rec.eventJson())
        .contains("\"path\":\"" + EdgeGateway.REQUEST_LOG_PATH + "\"")
        .contains("\"refusal\":\"NO_ROUTE\"")
        .contains("\"target\":\"/docs/a?q=1\"")
        // The host it was routed by, for the inventory of requests no route serves.
        .contains("\"host\":\"intranet.example\"")
        .contains("refused: no route serves this host and path");
  }

  @Test
  void pathOutsideTheRoutesPrefix_is404AndLogged() throws Exception {
    String[] r = EdgeGatewayTest.raw(gateway.port(), "/admin", "wiki.example");

    assertThat(r[0]).isEqualTo("404");
    assertThat(Fixtures.awaitRecord(store, EdgeSecurityCasesTest.decisionId(r)).eventJson())
        .contains("\"refusal\":\"NO_ROUTE\"");
  }
}
