package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.SpiffeId;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code routes[].upstream_spiffe_id}: the SPIFFE ID an upstream must prove over mutual TLS. */
class UpstreamSpiffeIdTest {

  @TempDir Path dir;

  VigilConfig read(String routeLine) throws Exception {
    Path f = dir.resolve("vigil.yaml");
    Files.writeString(
        f,
        "routes:\n  - name: orders\n    upstream: http://127.0.0.1:9\n"
            + "    policy: authz/allow\n"
            + routeLine);
    return VigilConfig.read(f, dir);
  }

  @Test
  void read_upstreamSpiffeId_parsedOntoRoute() throws Exception {
    VigilConfig c = read("    upstream_spiffe_id: spiffe://prod.example/ns/shop/orders\n");

    assertThat(c.routes().get(0).upstreamSpiffeId())
        .isEqualTo(SpiffeId.parse("spiffe://prod.example/ns/shop/orders"));
  }

  @Test
  void read_noUpstreamSpiffeId_plainRoute() throws Exception {
    assertThat(read("").routes().get(0).upstreamSpiffeId()).isNull();
  }

  @Test
  void read_malformedUpstreamSpiffeId_failsWithTheLine() {
    assertThatThrownBy(() -> read("    upstream_spiffe_id: https://prod.example/orders\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:5")
        .hasMessageContaining(
            "upstream_spiffe_id: \"https://prod.example/orders\" is not a SPIFFE");
  }
}
