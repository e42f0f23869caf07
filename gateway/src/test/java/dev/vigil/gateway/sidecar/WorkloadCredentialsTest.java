package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
