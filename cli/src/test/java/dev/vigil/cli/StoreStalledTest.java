package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.store.ChangeFeed;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.OverflowPolicy;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.StallingRelay;
import dev.vigil.testkit.TestSchemas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Regression: with a PostgreSQL store that stopped answering without closing its connections (a
 * network that drops packets, a frozen proxy), a console page reading the decision log, or setting
 * a route's mode, waited for ever: no statement had a time limit. Every statement on the store's
 * connections now gives up once nothing has come back for 30 s, and the page is answered with the
 * error.
 */
class StoreStalledTest {

  /** The 30 s without an answer, and time to spare on a busy machine. */
  private static final Duration BOUND = Duration.ofSeconds(45);

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_stalled_");

  @Test
  void readAndWrite_storeStalled_failWithinTheBound() throws Exception {
    String schema = schemas.create();
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema)))) {
      DecisionReader decisions = new DecisionReader(store);
      RouteModeOverrides modes = new RouteModeOverrides(store);
      decisions.count();

      relay.stall();

      assertTimeoutPreemptively(
          BOUND, () -> assertThatThrownBy(decisions::count).isInstanceOf(StoreException.class));
      RouteModeOverride observe = new RouteModeOverride("echo", "observe", "root", Instant.now());
      assertTimeoutPreemptively(
          BOUND,
          () -> assertThatThrownBy(() -> modes.put(observe)).isInstanceOf(StoreException.class));
      relay.resume();
    }
  }

  /**
   * Regression: the decision log retried a batch for 10 s, then gave its events up, so decisions
   * made while the store was out of reach longer were not logged. A write that fails because the
   * store cannot be reached is now retried until it answers again (here with a retry bound of 300
   * ms, and each read giving up after 1 s, for an outage of several seconds).
   */
  @Test
  void decisionLog_storeOutOfReachLongerThanTheRetryBound_writesOnceItIsBack() throws Exception {
    String schema = schemas.create();
    DecisionLog.Options options =
        new DecisionLog.Options(
            1_000,
            100,
            OverflowPolicy.BLOCK,
            Duration.ofSeconds(5),
            Duration.ofMillis(300),
            Duration.ZERO);
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema) + "&socketTimeout=1"));
        DecisionLog log = new DecisionLog(store, options)) {
      log.append(record("before")).get(30, TimeUnit.SECONDS);

      relay.stall();
      List<CompletableFuture<Void>> during =
          List.of(log.append(record("during-1")), log.append(record("during-2")));
      Thread.sleep(4_000);
      assertThat(during).allSatisfy(f -> assertThat(f).isNotDone());
      relay.resume();

      for (CompletableFuture<Void> f : during) {
        f.get(60, TimeUnit.SECONDS);
      }
      DecisionReader reader = new DecisionReader(store);
      assertThat(reader.get("during-1")).isPresent();
      assertThat(reader.get("during-2")).isPresent();
      assertThat(log.stats().failed()).isZero();
    }
  }

  private static DecisionRecord record(String id) {
    return new DecisionRecord(
        id, Instant.now(), "app/allow", "alice", "app", true, "enforce", true, "n1", "{}");
  }

  /**
   * Regression: while its store was out of reach, each change feed of a node (route modes,
   * identity, gateway and console sign-outs) logged a warning every second, 240 lines a minute that
   * buried everything else. Now the first failure is a warning, then one a minute while it lasts.
   *
   * <p>Waits for conditions, not for time: for the feed to be connected (its first resync), then
   * for six failed reconnections (logged at debug level), and counts the warnings of this feed
   * alone, since the logger is shared with every feed another test of this JVM left behind.
   */
  @Test
  void changeFeed_storeOutOfReach_warnsOnceThenOnceAMinute() throws Exception {
    String schema = schemas.create();
    String channel = "vigil_outage_test";
    Logger logger = (Logger) LoggerFactory.getLogger(ChangeFeed.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    logger.addAppender(logged);
    logger.setLevel(Level.DEBUG);
    CountDownLatch connected = new CountDownLatch(1);
    StallingRelay relay = StallingRelay.start();
    try (Store store = Store.open(StoreLocation.parse(relay.url(schema)));
        ChangeFeed feed =
            ChangeFeed.follow(
                store,
                channel,
                e -> {
                  if (e.equals(List.of(ChangeFeed.RESYNC))) {
                    connected.countDown();
                  }
                })) {
      assertThat(connected.await(60, TimeUnit.SECONDS)).as("the feed connected").isTrue();

      relay.close();
      awaitLogged(logged, channel, Level.DEBUG, 6);

      List<String> warnings = logged(logged, channel, Level.WARN);
      assertThat(warnings).as("six reconnections and more, one warning").hasSize(1);
      assertThat(warnings.getFirst()).contains("change feed " + channel + " failed");
    } finally {
      logger.detachAppender(logged);
      logger.setLevel(level);
      relay.close();
    }
  }

  /** Waits, for a minute at most, until {@code count} events of {@code channel} at {@code at}. */
  private static void awaitLogged(
      ListAppender<ILoggingEvent> logged, String channel, Level at, int count) throws Exception {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (logged(logged, channel, at).size() < count && System.nanoTime() < giveUp) {
      Thread.sleep(50);
    }
    assertThat(logged(logged, channel, at)).hasSizeGreaterThanOrEqualTo(count);
  }

  /** The messages logged at {@code at} about the feed of {@code channel}. */
  private static List<String> logged(ListAppender<ILoggingEvent> logged, String channel, Level at) {
    synchronized (logged) {
      return logged.list.stream()
          .filter(e -> e.getLevel() == at)
          .map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.contains("change feed " + channel + " "))
          .toList();
    }
  }
}
