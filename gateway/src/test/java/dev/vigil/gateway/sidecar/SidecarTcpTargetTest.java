package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SidecarConfig.Protocol;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.store.DecisionRecord;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TCP outbound listener keeps verifying the workload it connected to: when the target's SVID is
 * revoked while a connection is open, A's sidecar closes the connection and logs why. A class of
 * its own, since it revokes the SVID that B's agent serves.
 */
class SidecarTcpTargetTest {

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static ServerSocket echo;

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    echo = SidecarTcpTest.echoApp();
  }

  @AfterAll
  static void stop() throws Exception {
    echo.close();
    workloads.close();
  }

  @Test
  void openConnection_targetSvidRevoked_closedByTheCallersSidecarAndLogged() throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    Route route =
        new Route(
            "b-echo",
            "*",
            "/",
            URI.create("tcp://127.0.0.1:" + echo.getLocalPort()),
            "sidecar/allow",
            Mode.ENFORCE,
            Map.of("service", "echo"),
            null);
    Inbound in =
        new Inbound("127.0.0.1", 0, PeerMode.STRICT, route, AppProtocol.HTTP1, Protocol.TCP);
    try (Sidecar b =
            Sidecar.start(
                new SidecarConfig(null, List.of(in), List.of()),
                workloads.credsB,
                pdp,
                workloads.ids.revocations(),
                InstantSource.system(),
                null);
        Sidecar a =
            Sidecar.start(
                new SidecarConfig(
                    null,
                    List.of(),
                    List.of(
                        new Outbound(
                            "to-b",
                            "127.0.0.1",
                            0,
                            "127.0.0.1",
                            b.port("b-echo"),
                            TwoWorkloads.B,
                            Protocol.TCP))),
                workloads.credsA,
                pdp,
                workloads.ids.revocations(),
                InstantSource.system(),
                null,
                Sidecar.Timeouts.revalidatingEvery(200));
        Socket s = new Socket("127.0.0.1", a.port("to-b"))) {
      s.setSoTimeout(20_000);
      s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(s.getInputStream().readNBytes(4), StandardCharsets.US_ASCII))
          .isEqualTo("ping");

      workloads.ids.revoke(workloads.credsB.svid().leaf());

      assertThat(s.getInputStream().read()).isEqualTo(-1);
      DecisionRecord d =
          workloads.logged(RefusalLog.PATH, "to-b", "\"recheck\":\"" + TcpOutbound.RECHECK + "\"");
      assertThat(d.allowed()).isFalse();
      assertThat(d.eventJson())
          .contains("\"refusal\":\"REVOKED\"")
          .contains("\"spiffe_id\":\"" + TwoWorkloads.B + "\"");
    }
  }
}
