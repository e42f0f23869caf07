package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A policy whose answer shares its parts ({@code d1 := {"a": d0, "b": d0}}, forty times over) is
 * cheap to evaluate and 2^40 values to explain, log or send. Regression: the decision point took
 * the answer, and explaining and logging it ran until the heap was gone. Now the decision fails
 * closed with the evaluation's error, and is logged as a denial.
 */
class SharedValueDecisionTest {

  @TempDir Path tmp;

  private static String doublingPolicy() {
    StringBuilder sb =
        new StringBuilder("package big\nimport rego.v1\n\nd0 := {\"allow\": false}\n");
    for (int i = 1; i <= 40; i++) {
      sb.append("d").append(i).append(" := {\"a\": d").append(i - 1);
      sb.append(", \"b\": d").append(i - 1).append("}\n");
    }
    sb.append("decision := d40\n");
    return sb.toString();
  }

  @Test
  void decide_answerDoubledBySharing_deniesWithTheSizeError() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(DecisionPointTest.bundle(doublingPolicy()));

      Decision d =
          assertTimeoutPreemptively(
              Duration.ofSeconds(30),
              () -> {
                Decision out = pdp.decide("big/decision", Json.parse("{}"));
                out.logged().get(10, TimeUnit.SECONDS);
                return out;
              });

      assertThat(d.allowed()).isFalse();
      assertThat(d.reason()).contains("eval_cancel_error").contains("value too large");
      DecisionRecord r = new DecisionReader(store).get(d.decisionId()).orElseThrow();
      assertThat(r.allowed()).isFalse();
      pdp.close();
    }
  }
}
