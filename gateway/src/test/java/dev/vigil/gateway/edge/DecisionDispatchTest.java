package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where decisions run: inline on the event loop when quick, on the worker pool when not. */
class DecisionDispatchTest {

  static final String POLICY =
      """
      package gw
      import rego.v1

      quick if input.request.method == "GET"

      # Tens of thousands of evaluation steps: past a budget of a nanosecond, within the default.
      slow if count([x | some x in numbers.range(1, 50000)]) == 50000
      """;

  @TempDir Path tmp;
  Vertx vertx;
  Store store;
  DecisionPoint pdp;

  /**
   * The full budget of the test's decision point: far above what the slow policy needs even on a
   * starved machine, where the 2 s default could run out on the worker and deny.
   */
  static final Duration FULL_BUDGET = Duration.ofSeconds(60);

  @BeforeEach
  void start() {
    // One worker thread, so that a test can hold it while it looks at what the dispatch returned.
    vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(1));
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    DecisionPoint.Options defaults = DecisionPoint.Options.defaults();
    pdp =
        new DecisionPoint(
            new DecisionPoint.Options(
                defaults.node(),
                defaults.clock(),
                FULL_BUDGET,
                defaults.v0Compatible(),
                defaults.modes(),
                defaults.masking(),
                log));
    pdp.activate(
        BundleReader.fromFiles("gw", Map.of("gw.rego", POLICY.getBytes(StandardCharsets.UTF_8))));
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    pdp.close();
    store.close();
  }

  /** Calls the dispatch from an event loop; tells whether the answer was there on return. */
  private record Call(Decision decision, boolean answeredInline) {}

  /**
   * Calls the dispatch from an event loop while the only worker thread is held, and lets it go once
   * the dispatch has returned. An answer there on return was therefore computed inline: a decision
   * handed to the worker cannot have finished yet. (Without the hold, a worker that finished before
   * the event loop looked, as a preempted event loop on a busy machine allows, made a decision on
   * the worker look inline.)
   */
  private Call decideOnEventLoop(DecisionDispatch dispatch, String path) throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    vertx.executeBlocking(
        () -> {
          held.countDown();
          return release.await(30, TimeUnit.SECONDS);
        },
        false);
    assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<Boolean> inline = new CompletableFuture<>();
    CompletableFuture<Decision> decided = new CompletableFuture<>();
    vertx.runOnContext(
        v -> {
          try {
            Future<Decision> f =
                dispatch.decide(
                    path, Json.parse("{\"request\":{\"method\":\"GET\"}}"), Map.of(), Mode.ENFORCE);
            inline.complete(f.isComplete());
            f.onComplete(ar -> decided.complete(ar.result()));
          } finally {
            release.countDown();
          }
        });
    return new Call(decided.get(60, TimeUnit.SECONDS), inline.get(60, TimeUnit.SECONDS));
  }

  @Test
  void decide_quickPolicy_answersOnTheEventLoopAndLogs() throws Exception {
    DecisionDispatch dispatch = new DecisionDispatch(vertx, pdp, DecisionDispatch.INLINE_BUDGET);

    Call call = decideOnEventLoop(dispatch, "gw/quick");
    call.decision().logged().get(10, TimeUnit.SECONDS);

    assertThat(call.answeredInline()).isTrue();
    assertThat(call.decision().allowed()).isTrue();
    assertThat(dispatch.offloaded("gw/quick")).isFalse();
    assertThat(new DecisionReader(store).get(call.decision().decisionId())).isPresent();
  }

  @Test
  void decide_policyPastTheInlineBudget_decidedOnWorkerWithFullBudgetAndLoggedOnce()
      throws Exception {
    DecisionDispatch dispatch = new DecisionDispatch(vertx, pdp, Duration.ofNanos(1));

    Call first = decideOnEventLoop(dispatch, "gw/slow");
    boolean offloadedAfterFirst = dispatch.offloaded("gw/slow");
    Call second = decideOnEventLoop(dispatch, "gw/slow");
    first.decision().logged().get(10, TimeUnit.SECONDS);
    second.decision().logged().get(10, TimeUnit.SECONDS);

    assertThat(first.answeredInline()).isFalse();
    assertThat(offloadedAfterFirst).isTrue();
    assertThat(first.decision().allowed()).isTrue();
    assertThat(second.answeredInline()).isFalse();
    assertThat(second.decision().allowed()).isTrue();
    assertThat(dispatch.offloaded("gw/slow")).isTrue();
    assertThat(dispatch.offloaded("gw/quick")).isFalse();
    assertThat(new DecisionReader(store).count()).isEqualTo(2);
  }
}
