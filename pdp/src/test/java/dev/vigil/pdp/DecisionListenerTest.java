package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Listeners hear every decision with its context, and cannot change or fail it. */
class DecisionListenerTest {

  private static DecisionPoint pdp() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");
    return pdp;
  }

  @Test
  void onDecision_hearsTheDecisionAndItsContext() {
    DecisionPoint pdp = pdp();
    List<String> heard = new ArrayList<>();
    pdp.onDecision((d, ctx) -> heard.add(d.decisionId() + " " + d.allowed() + " " + ctx));

    Decision d = pdp.decide("p/allow", Json.parse("{\"ok\":true}"), Map.of("route", "echo"));

    assertThat(heard).containsExactly(d.decisionId() + " true {route=echo}");
  }

  @Test
  void onDecision_listenerThatThrows_leavesTheDecisionAsItWas() {
    DecisionPoint pdp = pdp();
    pdp.onDecision(
        (d, ctx) -> {
          throw new IllegalStateException("broken listener");
        });

    Decision allowed = pdp.decide("p/allow", Json.parse("{\"ok\":true}"), Map.of());
    Decision denied = pdp.decide("p/allow", Json.parse("{\"ok\":false}"), Map.of());

    assertThat(allowed.allowed()).isTrue();
    assertThat(denied.allowed()).isFalse();
  }

  @Test
  void preview_answersAsEnforceMode_tellsNoListenerAndLogsNothing() throws Exception {
    Path dir = Files.createTempDirectory("preview");
    try (Store store = Store.open(StoreLocation.embedded(dir));
        DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
        DecisionPoint pdp =
            new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log))) {
      pdp.putPolicy("p.rego", "package p\n\nallow if input.ok\n");
      // The route's mode is observe: a decision would ask no policy, a preview asks it.
      pdp.setMode("p", Mode.OBSERVE);
      List<Decision> heard = new ArrayList<>();
      pdp.onDecision((d, ctx) -> heard.add(d));

      Decision denied =
          pdp.preview(PolicyPath.parse("p/allow"), Json.parse("{\"ok\":false}"), pdp.evalOptions());
      Decision allowed =
          pdp.preview(PolicyPath.parse("p/allow"), Json.parse("{\"ok\":true}"), pdp.evalOptions());

      assertThat(denied.allowed()).isFalse();
      assertThat(denied.enforced()).isTrue();
      assertThat(denied.explanation()).isNotNull();
      assertThat(allowed.allowed()).isTrue();
      assertThat(heard).isEmpty();
      assertThat(new DecisionReader(store).count()).isZero();
    }
  }
}
