package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.insight.ReplayEndpoint;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.FreePorts;
import dev.vigil.testkit.OpensslCerts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil insight certs} and {@code vigil insight drift} in process, on a node's data
 * directory and, for drift, against a real control plane that took a policy through its API.
 */
class InsightCertsDriftCommandTest {

  @TempDir Path tmp;

  private static final String POLICY = "package authz\n\ndefault allow := false\n";

  /** A node's configuration: one monitored route, a bundle owning {@code authz}, prod.example. */
  private Path config(String controlPlane) throws Exception {
    Path policies = Files.createDirectories(tmp.resolve("policies"));
    Files.writeString(policies.resolve(".manifest"), "{\"roots\": [\"authz\"]}");
    Files.writeString(policies.resolve("authz.rego"), POLICY);
    Path file = tmp.resolve("vigil.yaml");
    Files.writeString(
        file,
        """
        data_dir: ./data
        control_plane:
          addr: %s
        policy:
          bundle: ./policies
        identity:
          trust_domains: [prod.example]
        routes:
          - name: wiki
            upstream: http://127.0.0.1:9000
            policy: authz/allow
            mode: monitor
        """
            .formatted(controlPlane));
    return file;
  }

  /** Makes the node's store with the prod.example CA, 30-day roots, created now. */
  private void node(Path dataDir) throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(dataDir))) {
      new Identities(
              store, CaKeyCipher.ofKey(new byte[32]), InstantSource.system(), CaConfig.defaults())
          .trustDomain(new TrustDomain("prod.example"));
    }
    ServerCertificate.selfSigned(dataDir, Instant.now());
  }

  @Test
  void certs_freshRootWithinWarning_shownNotCounted_exit0() throws Exception {
    Path file = config("127.0.0.1:1");
    node(tmp.resolve("data"));

    CliRun warned = CliRun.of("insight", "certs", "--config", file.toString(), "--warn", "60d");
    CliRun fine = CliRun.of("insight", "certs", "--config", file.toString(), "--warn", "1d");
    CliRun json =
        CliRun.of(
            "insight", "certs", "--config", file.toString(), "--format", "json", "--warn", "1d");

    // A fresh root inside the warning is on its rotation schedule (a running node prepares the
    // next one half way through): shown as expiring, not counted.
    assertThat(warned.status()).as(warned.out() + warned.err()).isEqualTo(0);
    assertThat(warned.out())
        .contains("warning within 60d: 2, 0 need attention")
        .contains("expiring*")
        .contains("trust_domain_root prod.example/")
        .contains("rotation:\n  (fine)")
        .contains("gateway.tls_cert[0]")
        .doesNotContain("device_ca");
    assertThat(fine.status()).as(fine.out() + fine.err()).isEqualTo(0);
    assertThat(fine.out()).contains("rotation:\n  (fine)");
    assertThat(json.status()).isEqualTo(0);
    assertThat(json.out()).contains("\"kind\": \"tls\"").contains("\"status\": 0");
  }

  @Test
  void certs_badInput_exit2WithOneLine() throws Exception {
    Path file = config("127.0.0.1:1");
    node(tmp.resolve("data"));

    CliRun warn = CliRun.of("insight", "certs", "--config", file.toString(), "--warn", "soon");
    CliRun format = CliRun.of("insight", "certs", "--config", file.toString(), "--format", "xml");
    CliRun missing = CliRun.of("insight", "certs", "--config", tmp.resolve("no.yaml").toString());

    assertThat(warn.status()).isEqualTo(2);
    assertThat(warn.err().strip())
        .isEqualTo(
            "vigil insight certs: --warn \"soon\" is not a duration; write a number and a unit"
                + " (d, h, m, s, ms), like 90s, 30m or 1h30m");
    assertThat(format.status()).isEqualTo(2);
    assertThat(format.err()).contains("--format must be text or json, not \"xml\"");
    assertThat(missing.status()).isEqualTo(2);
    assertThat(missing.err()).contains("no such configuration file");
  }

  @Test
  void drift_policyPutThroughTheApiAndModeSetAtRuntime_exit3() throws Exception {
    int port = FreePorts.next();
    Path file = config("127.0.0.1:" + port);
    Path data = tmp.resolve("data");
    node(data);
    String token = ApiToken.generate();
    Path tokenFile = data.resolve("api.token");
    Files.writeString(tokenFile, token);
    try (Store store = Store.open(StoreLocation.embedded(data))) {
      new RouteModeOverrides(store)
          .put(new RouteModeOverride("wiki", "enforce", "alice", Instant.now()));
    }
    DecisionPoint live = new DecisionPoint(DecisionPoint.Options.defaults());
    live.activate(BundleReader.read(tmp.resolve("policies")));
    CliRun before;
    CliRun drift;
    CliRun json;
    try (Store store = Store.open(StoreLocation.embedded(data));
        PdpServer server = controlPlane(store, port, live, token, null)) {
      before = CliRun.of("insight", "drift", "--config", file.toString());
      HttpResponse<String> put =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + server.port() + "/v1/policies/limits"))
                      .header("Authorization", "Bearer " + token)
                      .PUT(HttpRequest.BodyPublishers.ofString("package limits\n\nmax := 5\n"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
      drift = CliRun.of("insight", "drift", "--config", file.toString());
      json = CliRun.of("insight", "drift", "--config", file.toString(), "--format", "json");
    }

    assertThat(before.status()).as(before.err()).isEqualTo(3);
    assertThat(before.out()).contains(": 1 findings").doesNotContain("policy_uploaded");
    assertThat(drift.status()).as(drift.err()).isEqualTo(3);
    assertThat(drift.out())
        .contains(": 2 findings")
        .contains(
            "route_mode  wiki\n    declared: monitor\n    live:     enforce (set by alice at ")
        .contains("    where:    " + file + ":12: routes[0].mode\n")
        .contains("policy_uploaded  limits\n")
        .contains("    live:     uploaded through PUT /v1/policies/limits (3 lines)\n")
        .contains("    where:    " + file + ":5: policy.bundle\n");
    assertThat(json.out()).contains("\"kind\": \"policy_uploaded\"").contains("\"status\": 3");
  }

  @Test
  void drift_nodeNotReachable_noteAndStoreFindingsOnly() throws Exception {
    Path file = config("127.0.0.1:" + FreePorts.next());
    node(tmp.resolve("data"));

    CliRun none = CliRun.of("insight", "drift", "--config", file.toString());
    CliRun offline = CliRun.of("insight", "drift", "--config", file.toString(), "--no-live");
    CliRun bad =
        CliRun.of("insight", "drift", "--config", file.toString(), "--control-plane", "ftp://x");

    assertThat(none.status()).as(none.err()).isEqualTo(0);
    assertThat(none.out())
        .contains(": 0 findings")
        .contains("note: cannot ask the node at http://");
    assertThat(offline.status()).isEqualTo(0);
    assertThat(offline.out()).contains("note: the node was not asked (--no-live)");
    assertThat(bad.status()).isEqualTo(2);
    assertThat(bad.err()).contains("--control-plane \"ftp://x\" is not a control plane's URL");
  }

  /**
   * A control plane with {@code tls_client_ca} refuses every handshake without a client
   * certificate, so drift could never ask it what was written through its API and only said so in a
   * note; --tls-cert and --tls-key give it one.
   */
  @Test
  void drift_controlPlaneAskingForClientCertificates_askedWithTlsCertAndKey() throws Exception {
    new OpensslCerts(tmp)
        .ca("ca")
        .leaf("server", "ca", "subjectAltName=IP:127.0.0.1")
        .leaf("client", "ca", "extendedKeyUsage=clientAuth");
    int port = FreePorts.next();
    Path file = config("127.0.0.1:" + port);
    Files.writeString(
        file,
        Files.readString(file)
            .replace(
                "  addr: 127.0.0.1:" + port + "\n",
                "  addr: 127.0.0.1:"
                    + port
                    + "\n  tls_cert: server.pem\n  tls_key: server.key\n"
                    + "  tls_client_ca: ca.pem\n"));
    Path data = tmp.resolve("data");
    node(data);
    String token = ApiToken.generate();
    Files.writeString(data.resolve("api.token"), token);
    DecisionPoint live = new DecisionPoint(DecisionPoint.Options.defaults());
    live.activate(BundleReader.read(tmp.resolve("policies")));
    String cert = tmp.resolve("client.pem").toString();
    String key = tmp.resolve("client.key").toString();
    CliRun anonymous;
    CliRun withCertificate;
    CliRun keyAlone;
    try (Store store = Store.open(StoreLocation.embedded(data));
        PdpServer server =
            controlPlane(
                store,
                port,
                live,
                token,
                ServerTls.read(
                    tmp.resolve("server.pem"), tmp.resolve("server.key"), tmp.resolve("ca.pem")))) {
      anonymous = CliRun.of("insight", "drift", "--config", file.toString());
      withCertificate =
          CliRun.of(
              "insight",
              "drift",
              "--config",
              file.toString(),
              "--tls-cert",
              cert,
              "--tls-key",
              key);
      keyAlone = CliRun.of("insight", "drift", "--config", file.toString(), "--tls-key", key);
    }

    assertThat(anonymous.out()).contains("note: cannot ask the node at https://127.0.0.1:");
    assertThat(withCertificate.status()).as(withCertificate.err()).isEqualTo(0);
    assertThat(withCertificate.out()).contains(": 0 findings").doesNotContain("note:");
    // The client CA file is a set of authorities, not a chain with a leaf.
    CliRun certs = CliRun.of("insight", "certs", "--config", file.toString());
    assertThat(certs.out())
        .as(certs.err())
        .containsPattern("tls +control_plane.tls_cert\\[0\\] +leaf ")
        .containsPattern("tls +control_plane.tls_client_ca\\[0\\] +client_ca ");
    assertThat(keyAlone.status()).isEqualTo(2);
    assertThat(keyAlone.err()).contains("--tls-cert and --tls-key go together");
  }

  /**
   * A node's control plane for drift to ask: OPA's API with the write token and the insight policy
   * endpoint over {@code store}, over TLS when {@code tls} is not null.
   */
  private static PdpServer controlPlane(
      Store store, int port, DecisionPoint live, String token, ServerTls tls) {
    return PdpServer.start(
        "127.0.0.1",
        port,
        live,
        new PdpMetrics(null),
        OpaApi.Options.defaults().withWriteToken(ApiToken.of(token)),
        router ->
            ReplayEndpoint.install(router, live, new DecisionReader(store), ApiToken.of(token)),
        tls);
  }
}
