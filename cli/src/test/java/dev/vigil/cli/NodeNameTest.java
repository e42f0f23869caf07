package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeNameTest {

  @Test
  void of_vigilNodeSet_isThatName() {
    assertThat(NodeName.of(Map.of("VIGIL_NODE", " edge-2 "))).isEqualTo("edge-2");
  }

  @Test
  void of_vigilNodeUnsetOrBlank_isTheHostsName() throws Exception {
    String host = InetAddress.getLocalHost().getHostName();
    assertThat(NodeName.of(Map.of())).isEqualTo(host);
    assertThat(NodeName.of(Map.of("VIGIL_NODE", "  "))).isEqualTo(host);
  }
}
