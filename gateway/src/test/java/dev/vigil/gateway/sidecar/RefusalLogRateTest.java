package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A client that causes many refusals cannot make the service log grow without bound: the warnings
 * of one listener and code are limited a minute, with a line saying so and one counting the rest,
 * while the decision log keeps every refusal.
 */
class RefusalLogRateTest {

  @TempDir Path tmp;

  /** Regression: each refusal wrote one warning, so a flood of bad connections flooded stderr. */
  @Test
  void manyRefusals_boundedWarningsWithSummary_everyEventLogged() throws Exception {
    int flood = 150;
    int limit = RefusalLog.WARNINGS_PER_MINUTE;
    Instant start = Instant.now();
    AtomicReference<Instant> now = new AtomicReference<>(start);
    InstantSource clock = now::get;
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog decisions = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(decisions));
      RefusalLog refusals = new RefusalLog(pdp, clock);
      ListAppender<ILoggingEvent> appender = listen();
      List<String> lines;
      try {
        for (int i = 0; i < flood; i++) {
          assertThat(refusals.refuse("in", "127.0.0.1:" + (30000 + i), "BAD", "bad", Map.of()))
              .isNotNull();
          // Another code of the same listener has a limit of its own.
          if (i < 3) {
            refusals.refuse("in", "127.0.0.1:1", "OTHER", "other", Map.of());
          }
        }
        lines = messages(appender);
        assertThat(lines)
            .filteredOn(l -> l.contains("code=BAD ") && l.startsWith("refused peer:"))
            .hasSize(limit);
        assertThat(lines)
            .filteredOn(l -> l.contains("code=OTHER ") && l.startsWith("refused peer:"))
            .hasSize(3);
        assertThat(lines)
            .filteredOn(l -> l.contains("further ones are not shown"))
            .singleElement()
            .asString()
            .contains("listener=in code=BAD")
            .contains("vigil logs --path " + RefusalLog.PATH);
        assertThat(lines).hasSize(limit + 3 + 1);

        // A minute later: one line counts those not shown, and warnings come again.
        now.set(start.plus(Duration.ofSeconds(61)));
        refusals.refuse("in", "127.0.0.1:2", "BAD", "bad", Map.of());
        lines = messages(appender);
      } finally {
        ((Logger) LoggerFactory.getLogger(RefusalLog.class)).detachAppender(appender);
      }
      assertThat(lines)
          .filteredOn(l -> l.contains("more refusals not shown"))
          .singleElement()
          .asString()
          .startsWith((flood - limit) + " more refusals not shown in the last minute")
          .contains("listener=in code=BAD")
          .contains("vigil logs --path " + RefusalLog.PATH);
      assertThat(lines.get(lines.size() - 1)).startsWith("refused peer:").contains("code=BAD");
      assertThat(lines).hasSize(limit + 3 + 1 + 2);

      // Every refusal is in the decision log, shown or not.
      assertThat(awaitEvents(store, start.minusSeconds(1), flood + 3 + 1)).hasSize(flood + 4);
    }
  }

  private static ListAppender<ILoggingEvent> listen() {
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    ((Logger) LoggerFactory.getLogger(RefusalLog.class)).addAppender(appender);
    return appender;
  }

  private static List<String> messages(ListAppender<ILoggingEvent> appender) {
    return List.copyOf(appender.list).stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static List<DecisionRecord> awaitEvents(Store store, Instant since, int count)
      throws Exception {
    DecisionReader reader = new DecisionReader(store);
    List<DecisionRecord> found = List.of();
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (found.size() < count && System.nanoTime() < giveUp) {
      found =
          reader.list(new DecisionFilter(since, true, RefusalLog.PATH, null, null, 1000)).stream()
              .toList();
      if (found.size() < count) {
        Thread.sleep(50);
      }
    }
    return found;
  }
}
