package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.AppProtocol;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.SidecarConfig.Protocol;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.X509Svid;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TCP connection through the sidecars is not trusted for its whole life: with the agents, the
 * store and the byte echo app of {@link SidecarTcpTest}, an open connection is closed when the
 * policy is replaced by one that denies it (and only logged as a would-be closing in monitor mode),
 * and when the certificate its caller authenticated with expires; a listener's {@code idle_timeout}
 * closes a connection that carries nothing for that long. Each test has a decision point and
 * sidecars of its own, so that changing the policy touches no other test.
 */
class SidecarTcpRecheckTest {

  private static final SpiffeId A = TwoWorkloads.A;
  private static final SpiffeId B = TwoWorkloads.B;

  /** The bundle that replaces {@link SidecarTcpTest#POLICY}: it lets no workload through. */
  private static final String DENY_ALL =
      """
      package sidecar
      import rego.v1

      default allow := false
      """;

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
  void openConnection_policyReplacedByADenial_closedAndTheReDecisionLogged() throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    try (Sidecar b = sidecarB(pdp, inbound("b-recheck", Mode.ENFORCE));
        Sidecar a = sidecarA(pdp, b.port("b-recheck"));
        Socket s = new Socket("127.0.0.1", a.port("to-b"))) {
      s.setSoTimeout(10_000);
      assertThat(echo(s, "ping")).isEqualTo("ping");
      DecisionRecord first = workloads.logged("sidecar/allow", "b-recheck", A.toString());
      assertThat(first.allowed()).isTrue();

      pdp.activate(bundle("deny-all", DENY_ALL));

      assertThat(s.getInputStream().read()).isEqualTo(-1);
      DecisionRecord again = workloads.logged("sidecar/allow", "b-recheck", recheck("policy"));
      assertThat(again.allowed()).isFalse();
      assertThat(again.enforced()).isTrue();
      assertThat(again.subject()).isEqualTo(A.toString());
      assertThat(again.eventJson())
          .contains("\"workload\":\"" + B + "\"")
          .contains("\"transport\":\"mtls\"")
          .contains("\"connection_decision_id\":\"" + first.decisionId() + "\"")
          .contains("\"revision\":\"deny-all\"");
    }
  }

  @Test
  void openConnection_policyReplacedByADenialInMonitorMode_staysOpenAndWouldDenyLogged()
      throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    try (Sidecar b = sidecarB(pdp, inbound("b-recheck-monitor", Mode.MONITOR));
        Sidecar a = sidecarA(pdp, b.port("b-recheck-monitor"));
        Socket s = new Socket("127.0.0.1", a.port("to-b"))) {
      s.setSoTimeout(10_000);
      assertThat(echo(s, "ping")).isEqualTo("ping");
      DecisionRecord first = workloads.logged("sidecar/allow", "b-recheck-monitor", A.toString());

      pdp.activate(bundle("deny-all", DENY_ALL));

      DecisionRecord again =
          workloads.logged("sidecar/allow", "b-recheck-monitor", recheck("policy"));
      assertThat(again.allowed()).isFalse();
      assertThat(again.enforced()).isFalse();
      assertThat(again.mode()).isEqualTo("monitor");
      assertThat(again.eventJson())
          .contains("\"connection_decision_id\":\"" + first.decisionId() + "\"");
      assertThat(echo(s, "still here")).isEqualTo("still here");
    }
  }

  @Test
  void openConnection_callerSvidExpires_closedAndLogged() throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    // Long enough for the handshake and the decision on a busy machine, short enough to wait for.
    X509Svid shortLived = workloads.ids.issueX509(A, List.of(), Duration.ofSeconds(6));
    try (Sidecar b = sidecarB(pdp, inbound("b-expiry", Mode.ENFORCE));
        Socket s = SidecarTest.tls(b.port("b-expiry"), shortLived)) {
      s.setSoTimeout(20_000);
      assertThat(echo(s, "ping")).isEqualTo("ping");
      DecisionRecord first = workloads.logged("sidecar/allow", "b-expiry", A.toString());

      assertThat(s.getInputStream().read()).isEqualTo(-1);

      DecisionRecord closed = workloads.logged("sidecar/allow", "b-expiry", recheck("svid"));
      assertThat(closed.allowed()).isFalse();
      assertThat(closed.enforced()).isTrue();
      assertThat(closed.subject()).isEqualTo(A.toString());
      assertThat(closed.eventJson())
          .contains("\"reason\":\"svid_expired: ")
          .contains("\"workload\":\"" + B + "\"")
          .contains("\"connection_decision_id\":\"" + first.decisionId() + "\"");
    }
  }

  @Test
  void openConnection_callerSvidRevoked_closedEvenInMonitorModeAndLogged() throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    X509Svid svid = workloads.ids.issueX509(A, List.of(), null);
    try (Sidecar b =
            Sidecar.start(
                new SidecarConfig(null, List.of(inbound("b-revoked", Mode.MONITOR)), List.of()),
                workloads.credsB,
                pdp,
                workloads.ids.revocations(),
                InstantSource.system(),
                null,
                Sidecar.Timeouts.revalidatingEvery(200));
        Socket s = SidecarTest.tls(b.port("b-revoked"), svid)) {
      s.setSoTimeout(20_000);
      assertThat(echo(s, "ping")).isEqualTo("ping");
      DecisionRecord first = workloads.logged("sidecar/allow", "b-revoked", A.toString());

      workloads.ids.revoke(svid.leaf());

      assertThat(s.getInputStream().read()).isEqualTo(-1);
      DecisionRecord closed =
          workloads.logged("sidecar/allow", "b-revoked", recheck("revalidation"));
      assertThat(closed.allowed()).isFalse();
      assertThat(closed.enforced()).isTrue();
      assertThat(closed.subject()).isEqualTo(A.toString());
      assertThat(closed.eventJson())
          .contains("\"reason\":\"svid_rejected: REVOKED: ")
          .contains("\"connection_decision_id\":\"" + first.decisionId() + "\"");
    }
  }

  /**
   * The outbound side keeps verifying the workload it connected to. With agents of its own, since
   * it revokes the SVID that B's agent serves.
   */
  @Test
  void openConnection_targetSvidRevoked_closedByTheCallersSidecarAndLogged() throws Exception {
    try (TwoWorkloads own = TwoWorkloads.start(tmp.resolve("target"))) {
      DecisionPoint pdp = own.decisionPoint(SidecarTcpTest.POLICY);
      try (Sidecar b =
              Sidecar.start(
                  new SidecarConfig(null, List.of(inbound("b-echo", Mode.ENFORCE)), List.of()),
                  own.credsB,
                  pdp,
                  own.ids.revocations(),
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
                              B,
                              Protocol.TCP))),
                  own.credsA,
                  pdp,
                  own.ids.revocations(),
                  InstantSource.system(),
                  null,
                  Sidecar.Timeouts.revalidatingEvery(200));
          Socket s = new Socket("127.0.0.1", a.port("to-b"))) {
        s.setSoTimeout(20_000);
        assertThat(echo(s, "ping")).isEqualTo("ping");

        own.ids.revoke(own.credsB.svid().leaf());

        assertThat(s.getInputStream().read()).isEqualTo(-1);
        DecisionRecord d =
            own.logged(RefusalLog.PATH, "to-b", "\"recheck\":\"" + TcpOutbound.RECHECK + "\"");
        assertThat(d.allowed()).isFalse();
        assertThat(d.eventJson())
            .contains("\"refusal\":\"REVOKED\"")
            .contains("\"spiffe_id\":\"" + B + "\"");
      }
    }
  }

  @Test
  void inboundIdleTimeout_shortValueInTheFile_quietConnectionClosed() throws Exception {
    Path file = tmp.resolve("idle-inbound.yaml");
    Files.writeString(
        file,
        """
        inbound:
          - name: b-idle
            listen: 127.0.0.1:0
            protocol: tcp
            app: 127.0.0.1:%d
            policy: sidecar/allow
            idle_timeout: 1s
        """
            .formatted(echo.getLocalPort()));
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    X509Svid svid = workloads.ids.issueX509(A, List.of(), null);
    try (Sidecar b = start(SidecarConfig.read(file), workloads.credsB, pdp);
        Socket s = SidecarTest.tls(b.port("b-idle"), svid)) {
      s.setSoTimeout(10_000);
      assertThat(echo(s, "ping")).isEqualTo("ping");

      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void outboundIdleTimeout_shortValueInTheFile_quietConnectionClosed() throws Exception {
    DecisionPoint pdp = workloads.decisionPoint(SidecarTcpTest.POLICY);
    try (Sidecar b = sidecarB(pdp, inbound("b-idle-out", Mode.ENFORCE))) {
      Path file = tmp.resolve("idle-outbound.yaml");
      Files.writeString(
          file,
          """
          outbound:
            - name: to-b
              listen: 127.0.0.1:0
              protocol: tcp
              target: 127.0.0.1:%d
              expect: %s
              idle_timeout: 1s
          """
              .formatted(b.port("b-idle-out"), B));
      try (Sidecar a = start(SidecarConfig.read(file), workloads.credsA, pdp);
          Socket s = new Socket("127.0.0.1", a.port("to-b"))) {
        s.setSoTimeout(10_000);
        assertThat(echo(s, "ping")).isEqualTo("ping");

        assertThat(s.getInputStream().read()).isEqualTo(-1);
      }
    }
  }

  /** A needle for the log record of a connection decided again after a change of this kind. */
  private static String recheck(String kind) {
    String recheck =
        switch (kind) {
          case "policy" -> TcpInbound.RECHECK_POLICY;
          case "svid" -> TcpInbound.RECHECK_EXPIRY;
          case "revalidation" -> TcpInbound.RECHECK_REVALIDATION;
          default -> throw new IllegalArgumentException(kind);
        };
    return "\"recheck\":\"" + recheck + "\"";
  }

  private static dev.vigil.pdp.bundle.Bundle bundle(String revision, String rego) {
    return BundleReader.fromFiles(
        revision,
        Map.of(
            "sidecar.rego",
            rego.getBytes(StandardCharsets.UTF_8),
            BundleReader.MANIFEST,
            ("{\"revision\": \"" + revision + "\"}").getBytes(StandardCharsets.UTF_8)));
  }

  /** A TCP inbound listener of B to the echo app, with the default idle timeout. */
  private static Inbound inbound(String name, Mode mode) {
    Route route =
        new Route(
            name,
            "*",
            "/",
            URI.create("tcp://127.0.0.1:" + echo.getLocalPort()),
            "sidecar/allow",
            mode,
            Map.of("service", "echo"),
            null);
    return new Inbound("127.0.0.1", 0, PeerMode.STRICT, route, AppProtocol.HTTP1, Protocol.TCP);
  }

  private static Sidecar sidecarB(DecisionPoint pdp, Inbound in) {
    return start(new SidecarConfig(null, List.of(in), List.of()), workloads.credsB, pdp);
  }

  /** A's sidecar, with a TCP outbound listener {@code to-b} to B's inbound port. */
  private static Sidecar sidecarA(DecisionPoint pdp, int bPort) {
    Outbound out = new Outbound("to-b", "127.0.0.1", 0, "127.0.0.1", bPort, B, Protocol.TCP);
    return start(new SidecarConfig(null, List.of(), List.of(out)), workloads.credsA, pdp);
  }

  private static Sidecar start(SidecarConfig config, WorkloadCredentials creds, DecisionPoint pdp) {
    return Sidecar.start(
        config, creds, pdp, workloads.ids.revocations(), InstantSource.system(), null);
  }

  /** Sends {@code text} and reads as many bytes back. */
  private static String echo(Socket s, String text) throws IOException {
    byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
    s.getOutputStream().write(sent);
    s.getOutputStream().flush();
    return new String(s.getInputStream().readNBytes(sent.length), StandardCharsets.US_ASCII);
  }
}
