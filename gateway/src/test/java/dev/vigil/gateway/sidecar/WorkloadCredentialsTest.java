package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class WorkloadCredentialsTest {

  @Test
  void absolute_relativeSocketPath_resolvedFromTheWorkingDirectory() {
    String cwd = Path.of("").toAbsolutePath().toString();

    assertThat(WorkloadCredentials.absolute("unix:./data/agent.sock"))
        .isEqualTo("unix:" + cwd + "/data/agent.sock");
  }

  @Test
  void absolute_absoluteForms_keptAsUnixColonPath() {
    assertThat(WorkloadCredentials.absolute("unix:///run/vigil/agent.sock"))
        .isEqualTo("unix:/run/vigil/agent.sock");
    assertThat(WorkloadCredentials.absolute("unix:/run/vigil/agent.sock"))
        .isEqualTo("unix:/run/vigil/agent.sock");
  }

  @Test
  void connect_noSocketAtThePath_refusedSayingSoWithoutTryingTheStream(@TempDir Path dir) {
    // Regression: java-spiffe retried for --svid-wait, printing some 60 lines of stack traces,
    // and the error ended in "Error creating X.509 source".
    Path absent = dir.resolve("agent.sock");
    assertThatThrownBy(() -> WorkloadCredentials.connect("unix:" + absent, Duration.ofSeconds(30)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "cannot get an X.509-SVID from the Workload API at unix:"
                + absent
                + ": no socket at "
                + absent
                + " (is vigil agent running there?)");
  }

  @Test
  void connect_addressOtherThanUnix_refusedNamingIt() {
    assertThatThrownBy(
            () -> WorkloadCredentials.connect("tcp://127.0.0.1:8081", Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("\"tcp://127.0.0.1:8081\"")
        .hasMessageContaining("unix:/path");
  }

  @Test
  void connect_agentIssuesNothingToThisWorkload_saysWhatTheAgentAnswered(@TempDir Path dir)
      throws Exception {
    // Regression: the reason (PERMISSION_DENIED) was only in java-spiffe's stack traces, and the
    // error itself ended in "Error creating X.509 source".
    try (Store store = Store.open(StoreLocation.embedded(dir.resolve("data")))) {
      Identities ids =
          new Identities(
              store,
              CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", "ab".repeat(32)), null),
              InstantSource.system(),
              CaConfig.defaults());
      Attestor shows = (pid, uid, gid) -> Set.of(Selector.parse("label:nobody"));
      WorkloadAgent agent =
          WorkloadAgent.start(
              dir.resolve("agent.sock"), ids, shows, InstantSource.system(), Duration.ofSeconds(1));
      try {
        assertThatThrownBy(
                () -> WorkloadCredentials.connect("unix:" + agent.socket(), Duration.ofSeconds(2)))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("Workload API at unix:" + agent.socket())
            .hasMessageContaining("PERMISSION_DENIED: no identity issued");
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void stream_agentGoesAwayAfterTheFirstSvid_oneWarningLineWithoutStackTrace(@TempDir Path dir)
      throws Exception {
    // Regression: once the sidecar ran, java-spiffe's JUL records reached the console: each retry
    // of a broken stream (an agent restarted) printed a SEVERE record with a stack trace of some
    // 40 lines, and each rotation two INFO lines in JUL's own format.
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    Logger log = (Logger) LoggerFactory.getLogger(WorkloadCredentials.class);
    log.addAppender(logged);
    try (Store store = Store.open(StoreLocation.embedded(dir.resolve("data")))) {
      Identities ids =
          new Identities(
              store,
              CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", "ab".repeat(32)), null),
              InstantSource.system(),
              CaConfig.defaults());
      ids.createEntry(
          SpiffeId.parse("spiffe://prod.example/a"),
          List.of(Selector.parse("label:app-a")),
          null,
          List.of());
      Attestor shows = (pid, uid, gid) -> Set.of(Selector.parse("label:app-a"));
      WorkloadAgent agent =
          WorkloadAgent.start(
              dir.resolve("agent.sock"), ids, shows, InstantSource.system(), Duration.ofSeconds(1));
      String address = "unix:" + agent.socket();
      try (WorkloadCredentials creds =
          WorkloadCredentials.connect(address, Duration.ofSeconds(20))) {
        agent.close();
        long giveUp = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (warnings(logged).isEmpty() && System.nanoTime() < giveUp) {
          Thread.sleep(50);
        }

        assertThat(
                java.util.logging.Logger.getLogger("io.spiffe.workloadapi").getUseParentHandlers())
            .as("java-spiffe's records stay off JUL's console handler")
            .isFalse();
        assertThat(warnings(logged)).isNotEmpty();
        ILoggingEvent first = warnings(logged).getFirst();
        assertThat(first.getFormattedMessage())
            .contains("Workload API at " + address)
            .contains("UNAVAILABLE")
            .doesNotContain("\n");
        assertThat(first.getThrowableProxy()).isNull();
        assertThat(creds.svid().id().toString()).isEqualTo("spiffe://prod.example/a");
      }
    } finally {
      log.detachAppender(logged);
    }
  }

  private static List<ILoggingEvent> warnings(ListAppender<ILoggingEvent> logged) {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
  }
}
