package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** Reload of the configuration file: good changes applied, bad ones refused with file:line. */
class ConfigWatcherTest {

  @TempDir Path tmp;

  private static final String ROUTE =
      "routes:\n  - name: %s\n    upstream: http://127.0.0.1:9\n    policy: authz/allow\n";

  @Test
  void checkNow_goodThenBadThenSame_appliesOnlyTheGoodOne() throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    List<VigilConfig> applied = new ArrayList<>();
    ConfigWatcher w = new ConfigWatcher(file, tmp.resolve("data"), applied::add);

    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);
    Files.writeString(file, ROUTE.formatted("b"));
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.APPLIED);
    Files.writeString(file, ROUTE.formatted("c") + "    mode: fast\n");
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
    assertThat(w.lastError())
        .isEqualTo(
            file + ":5: routes[0].mode: mode \"fast\" is not one of observe, monitor, enforce");
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);

    assertThat(applied).hasSize(1);
    assertThat(applied.getFirst().routes().getFirst().name()).isEqualTo("b");
  }

  /**
   * Regression: a deleted or unreadable file was passed over in silence; the node kept its
   * configuration, but nothing told the operator that it no longer followed the file.
   */
  @Test
  void checkNow_fileDeletedThenUnreadable_warnsOnceEach_keepsServing_thenReadsItBack()
      throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    List<VigilConfig> applied = new ArrayList<>();
    ConfigWatcher w = new ConfigWatcher(file, tmp.resolve("data"), applied::add);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger logger = (Logger) LoggerFactory.getLogger(ConfigWatcher.class);
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(log);
    try {
      Files.delete(file);
      assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNREADABLE);
      assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNREADABLE);
      Files.createDirectory(file);
      assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNREADABLE);
      Files.delete(file);
      Files.writeString(file, ROUTE.formatted("b"));
      assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.APPLIED);
    } finally {
      logger.detachAppender(log);
      logger.setLevel(level);
    }

    List<String> warnings =
        log.list.stream()
            .filter(e -> e.getLevel() == Level.WARN)
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0))
        .contains(file + " is gone (deleted or moved)")
        .contains("keeps running on the last good configuration");
    assertThat(warnings.get(1)).contains(file + " cannot be read");
    assertThat(log.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .contains("configuration file readable again: file=" + file);
    // Nothing was applied while the file was missing: only the version that came back.
    assertThat(applied).hasSize(1);
    assertThat(applied.getFirst().routes().getFirst().name()).isEqualTo("b");
  }

  @Test
  void checkNow_listenerRefuses_reportsItAndKeepsTheOld() throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    ConfigWatcher w =
        new ConfigWatcher(
            file,
            null,
            c -> {
              throw new IllegalArgumentException("local user \"x\" is defined twice");
            });
    Files.writeString(file, ROUTE.formatted("b"));

    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
    assertThat(w.lastError()).isEqualTo("local user \"x\" is defined twice");
  }

  /**
   * Regression: an emptied file (as an editor leaves it for a moment while saving) was applied,
   * removing every route and user, so that anyone signed in who asked meanwhile was signed out.
   */
  @Test
  void checkNow_fileEmptied_refusedAndTheRunningConfigurationStays() throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    List<VigilConfig> applied = new ArrayList<>();
    ConfigWatcher w = new ConfigWatcher(file, tmp.resolve("data"), applied::add);

    for (String empty : new String[] {"", "\n  \n", "# being saved\n"}) {
      Files.writeString(file, empty);
      assertThat(w.checkNow()).as(empty).isEqualTo(ConfigWatcher.Outcome.REFUSED);
      assertThat(w.lastError()).startsWith(file + ": is empty (no YAML document)");
    }
    Files.writeString(file, "routes: []\n");
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.APPLIED);

    assertThat(applied).hasSize(1);
    assertThat(applied.getFirst().routes()).isEmpty();
  }

  /**
   * Regression: a change refused because the policy in service did not define a route's path yet
   * stayed refused once the policy was written, until the file was saved with other bytes: the
   * route stayed in its old mode while the log said every route's path was defined.
   */
  @Test
  void recheckRefused_listenerRefusedThenItsCauseGone_appliesTheSameBytes() throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    AtomicBoolean policyWritten = new AtomicBoolean(false);
    List<VigilConfig> applied = new ArrayList<>();
    ConfigWatcher w =
        new ConfigWatcher(
            file,
            tmp.resolve("data"),
            c -> {
              if (!policyWritten.get()) {
                throw new ConfigException("route \"b\": policy \"authz/allow\" names no rule");
              }
              applied.add(c);
            });
    Files.writeString(file, ROUTE.formatted("b"));
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
    assertThat(w.recheckRefused()).isEqualTo(ConfigWatcher.Outcome.REFUSED);

    policyWritten.set(true);
    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);
    assertThat(w.recheckRefused()).isEqualTo(ConfigWatcher.Outcome.APPLIED);

    assertThat(w.lastError()).isNull();
    assertThat(applied).hasSize(1);
    assertThat(applied.getFirst().routes().getFirst().name()).isEqualTo("b");
    assertThat(w.recheckRefused()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);
    assertThat(applied).hasSize(1);
  }

  @Test
  void recheckRefused_fileThatDoesNotRead_isNotOfferedAgain() throws Exception {
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(file, ROUTE.formatted("a"));
    List<VigilConfig> applied = new ArrayList<>();
    ConfigWatcher w = new ConfigWatcher(file, tmp.resolve("data"), applied::add);
    Files.writeString(file, ROUTE.formatted("b") + "    mode: fast\n");

    assertThat(w.checkNow()).isEqualTo(ConfigWatcher.Outcome.REFUSED);
    assertThat(w.recheckRefused()).isEqualTo(ConfigWatcher.Outcome.UNCHANGED);
    assertThat(applied).isEmpty();
  }
}
