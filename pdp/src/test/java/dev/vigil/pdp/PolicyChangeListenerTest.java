package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A policy change listener hears every change of what a decision may answer, after the change is in
 * service, so that an enforcement point can decide again what it let through before.
 */
class PolicyChangeListenerTest {

  @Test
  void onPolicyChange_everyKindOfChange_heardOnceEachWithTheChangeInService() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    List<String> heard = new ArrayList<>();
    pdp.onPolicyChange(
        () ->
            heard.add(
                pdp.revision()
                    + " "
                    + pdp.decide("p/allow", Json.parse("{}"), Map.of()).allowed()));

    pdp.activate(
        BundleReader.fromFiles(
            "b",
            Map.of(
                "b.rego",
                "package b\n\nx := 1\n".getBytes(StandardCharsets.UTF_8),
                BundleReader.MANIFEST,
                "{\"revision\": \"r1\", \"roots\": [\"b\"]}".getBytes(StandardCharsets.UTF_8))));
    pdp.putPolicy("p.rego", "package p\n\nallow if data.open\n");
    pdp.putData((ObjectValue) Json.parse("{\"open\": true}"));
    pdp.deletePolicy("p.rego");
    pdp.setMode("p/allow", Mode.MONITOR);

    assertThat(heard).containsExactly("r1 false", "r1 false", "r1 true", "r1 false", "r1 false");
  }

  @Test
  void onPolicyChange_removedOrFailing_othersStillHearAndTheChangeStands() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    List<String> heard = new ArrayList<>();
    Runnable remove = pdp.onPolicyChange(() -> heard.add("removed"));
    pdp.onPolicyChange(
        () -> {
          throw new IllegalStateException("broken listener");
        });
    pdp.onPolicyChange(() -> heard.add("kept"));
    remove.run();

    pdp.putPolicy("p.rego", "package p\n\nallow := true\n");

    assertThat(heard).containsExactly("kept");
    assertThat(pdp.decide("p/allow", Json.parse("{}"), Map.of()).allowed()).isTrue();
  }
}
