package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.agent.Attestor;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
}
