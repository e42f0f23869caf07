package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.edge.EdgeGateway;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.gateway.sidecar.Sidecar;
import dev.vigil.gateway.sidecar.SidecarConfig;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.gateway.sidecar.WorkloadCredentials;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.agent.WorkloadAgent;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity assertion a sidecar forwards to its app, verified with the SDK against the keys the
 * sidecar serves on loopback ({@code assertion_jwks}): two real sidecars with SVIDs from real
 * agents, workload {@code web} calling workload {@code orders}.
 */
class SidecarAssertionTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final SpiffeId WEB = SpiffeId.parse("spiffe://prod.example/web");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://prod.example/orders");

  @TempDir static Path tmp;
  static Store store;
  static WorkloadAgent webAgent;
  static WorkloadAgent ordersAgent;
  static WorkloadCredentials webCreds;
  static WorkloadCredentials ordersCreds;
  static HttpServer app;
  static Sidecar web;
  static Sidecar orders;
  static final AtomicReference<String> assertionSeen = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    Identities ids =
        new Identities(
            store,
            CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
            InstantSource.system(),
            CaConfig.defaults());
    ids.createEntry(WEB, List.of(Selector.parse("label:web")), null, List.of());
    ids.createEntry(ORDERS, List.of(Selector.parse("label:orders")), null, List.of());
    webAgent = agent(ids, "web");
    ordersAgent = agent(ids, "orders");
    webCreds = WorkloadCredentials.connect("unix:" + webAgent.socket(), Duration.ofSeconds(20));
    ordersCreds =
        WorkloadCredentials.connect("unix:" + ordersAgent.socket(), Duration.ofSeconds(20));

    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        ex -> {
          assertionSeen.set(ex.getRequestHeaders().getFirst(AssertionVerifier.HEADER));
          ex.sendResponseHeaders(204, -1);
          ex.close();
        });
    app.start();

    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "sc",
            Map.of(
                "sidecar.rego",
                "package sidecar\nimport rego.v1\nallow := true\n"
                    .getBytes(StandardCharsets.UTF_8))));
    URI appUri = URI.create("http://127.0.0.1:" + app.getAddress().getPort());
    Route route =
        new Route("orders", "*", "/", appUri, "sidecar/allow", Mode.ENFORCE, Map.of(), null);
    orders =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(new Inbound("127.0.0.1", 0, PeerMode.STRICT, route)),
                List.of(),
                new SidecarConfig.Address("127.0.0.1", 0)),
            ordersCreds,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            new IdentityAssertion(
                "vigil-sidecar", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()));
    web =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    new Outbound(
                        "to-orders", "127.0.0.1", 0, "127.0.0.1", orders.port("orders"), ORDERS))),
            webCreds,
            pdp,
            ids.revocations(),
            InstantSource.system(),
            null);
  }

  private static WorkloadAgent agent(Identities ids, String label) throws Exception {
    Set<Selector> shown = Set.of(Selector.parse("label:" + label));
    return WorkloadAgent.start(
        tmp.resolve(label + ".sock"),
        ids,
        (pid, uid, gid) -> shown,
        InstantSource.system(),
        Duration.ofMillis(200));
  }

  @AfterAll
  static void stop() {
    web.close();
    orders.close();
    app.stop(0);
    webCreds.close();
    ordersCreds.close();
    webAgent.close();
    ordersAgent.close();
    store.close();
  }

  private static URI jwks() {
    return URI.create(
        "http://127.0.0.1:" + orders.assertionJwksPort() + IdentityAssertion.JWKS_PATH);
  }

  @Test
  void verify_assertionTheSidecarForwarded_callerIsTheWorkloadBehindTheOtherSidecar()
      throws Exception {
    // Regression: the sidecar signed assertions with a key it served nowhere, so that an app
    // could not verify them with the SDK, as docs/sidecar.md says it may.
    HttpResponse<Void> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + web.port("to-orders") + "/orders/7"))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
    assertThat(r.statusCode()).isEqualTo(204);

    AssertionVerifier verifier =
        AssertionVerifier.fromJwksUrl(jwks(), "vigil-sidecar", InstantSource.system());
    VerifiedCaller caller = verifier.verify(assertionSeen.get(), "orders");

    assertThat(caller.subject()).isEqualTo(WEB.toString());
    assertThatThrownBy(() -> verifier.verify(assertionSeen.get(), "billing"))
        .extracting(e -> ((AssertionRejectedException) e).reason())
        .isEqualTo(Reason.AUDIENCE);
  }

  @Test
  void jwks_servedWithTheGatewaysCacheLifetime_andOnlyAtItsPath() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> keys =
        http.send(HttpRequest.newBuilder(jwks()).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> other =
        http.send(
            HttpRequest.newBuilder(jwks().resolve("/orders/7")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(keys.statusCode()).isEqualTo(200);
    assertThat(keys.headers().firstValue("Cache-Control")).contains("max-age=30");
    assertThat(keys.body()).contains("\"kty\":\"EC\"").doesNotContain("\"d\"");
    assertThat(other.statusCode()).isEqualTo(404);
  }
}
