package dev.vigil.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.SpiffeId;
import dev.vigil.pdp.Mode;
import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A mode set from the console must not drop what else the route says about its upstream. */
class RouteWithModeTest {

  @Test
  void withMode_workloadUpstream_keepsSpiffeIdAndProvider() {
    Route r =
        new Route(
            "orders",
            "*",
            "/orders",
            URI.create("http://127.0.0.1:9"),
            "authz/allow",
            Mode.ENFORCE,
            Map.of("service", "orders"),
            null,
            "corp",
            SpiffeId.parse("spiffe://prod.example/orders"));

    Route changed = r.withMode(Mode.MONITOR);

    assertThat(changed.mode()).isEqualTo(Mode.MONITOR);
    assertThat(changed.upstreamSpiffeId()).isEqualTo(r.upstreamSpiffeId());
    assertThat(changed.identityProvider()).isEqualTo("corp");
    assertThat(changed.withMode(Mode.ENFORCE)).isEqualTo(r);
  }
}
