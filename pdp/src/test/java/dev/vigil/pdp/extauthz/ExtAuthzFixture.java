package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.pdp.extauthz.grpc.GrpcAuthzServer;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A decision point with the adapters' test policy, a durable decision log, the REST API with the
 * external-authorization endpoints and the gRPC ext_authz server, all on loopback ephemeral ports.
 */
final class ExtAuthzFixture implements AutoCloseable {

  /**
   * The test policy at {@code authz/allow}. No default: an unmatched path is undefined. Paths under
   * {@code /odd/} give the answers of case C16.
   */
  static final String POLICY =
      """
      package authz

      allow if startswith(input.request.path, "/public/")

      allow if {
        input.request.path == "/reports"
        input.request.method == "GET"
        input.request.headers.authorization == "Bearer alice"
      }

      allow := {"allow": true, "headers": {
        "x-user": "alice", "X-Role": "sre", "bad header": "x", "x-multi": "a\\nb",
        "host": "evil.example", "x-number": 7,
      }} if input.request.path == "/me"

      allow if {
        input.request.path == "/workload"
        input.subject.trust_domain == "prod.example"
      }

      allow if {
        input.request.path == "/traced"
        trace(sprintf("method %s", [input.request.method]))
        input.request.method == "GET"
      }

      allow := false if input.request.path == "/odd/false"
      allow := "true" if input.request.path == "/odd/string"
      allow := {"allowed": true} if input.request.path == "/odd/allowed"
      allow := {"allow": "true"} if input.request.path == "/odd/allow-string"
      allow := 1 if input.request.path == "/odd/number"
      allow if input.request.path == "/odd/conflict"
      allow := false if input.request.path == "/odd/conflict"

      roles := ["viewer", "sre", "admin"]
      """;

  /** Base data of the test bundle: {@code data.teams.names} is an array. */
  static final String TEAMS = "{\"names\": [\"red\", \"blue\"]}";

  /** Paths whose answer is anything but an allow, with the case they stand for. */
  static final List<String> ODD_PATHS =
      List.of(
          "/odd/undefined",
          "/odd/false",
          "/odd/string",
          "/odd/allowed",
          "/odd/allow-string",
          "/odd/number",
          "/odd/conflict");

  final Store store;
  final DecisionLog log;
  final DecisionPoint pdp;
  final ExternalAuthorizer authorizer;
  final PdpServer http;
  final GrpcAuthzServer grpc;

  ExtAuthzFixture(Path dir, List<String> trustedProxies, Mode mode) {
    store = Store.open(StoreLocation.embedded(dir.resolve("data")));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withDecisionLog(log)
                .withModes(new ModeTable(Map.of("authz", mode), Mode.ENFORCE)));
    pdp.activate(
        BundleReader.fromFiles(
            "extauthz-test",
            Map.of(
                "authz.rego",
                POLICY.getBytes(StandardCharsets.UTF_8),
                "teams/data.json",
                TEAMS.getBytes(StandardCharsets.UTF_8))));
    PdpMetrics metrics = new PdpMetrics(log);
    authorizer =
        new ExternalAuthorizer(
            pdp,
            metrics,
            PolicyPath.parse("authz/allow"),
            new PolicyInputBuilder(TrustedProxies.parse(trustedProxies), InstantSource.system()));
    http =
        PdpServer.start(
            "127.0.0.1",
            0,
            pdp,
            metrics,
            OpaApi.Options.defaults(),
            router -> HttpAuthzRoutes.install(router, authorizer));
    grpc = GrpcAuthzServer.start("127.0.0.1", 0, authorizer);
  }

  String base() {
    return "http://127.0.0.1:" + http.port();
  }

  /** Waits until the decision-log entry of a decision is durable, and returns it. */
  DecisionRecord logged(String decisionId) throws InterruptedException {
    DecisionReader reader = new DecisionReader(store);
    for (int i = 0; i < 200; i++) {
      Optional<DecisionRecord> r = reader.get(decisionId);
      if (r.isPresent()) {
        return r.get();
      }
      Thread.sleep(25);
    }
    throw new AssertionError("decision " + decisionId + " was never logged");
  }

  /** Returns the number of decision-log entries once the log has written everything queued. */
  long loggedCount() throws InterruptedException {
    for (int i = 0; i < 200 && log.stats().queued() > 0; i++) {
      Thread.sleep(25);
    }
    assertThat(log.stats().queued()).isZero();
    return new DecisionReader(store).count();
  }

  @Override
  public void close() {
    grpc.close();
    http.close();
    pdp.close();
    store.close();
  }
}
