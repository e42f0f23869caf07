package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.pdp.bundle.BundleReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The decision client against a real {@code PdpServer} speaking OPA's REST API. */
class DecisionClientTest {

  private static final String ALLOW_SRE =
      """
      package app
      import rego.v1

      default allow := false
      allow if input.user.role == "sre"
      """;

  private DecisionPoint pdp;
  private PdpServer server;
  private final StepClock clock = new StepClock(Instant.parse("2026-12-04T12:00:00Z"));
  private DecisionClient client;

  @BeforeEach
  void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    activate(ALLOW_SRE);
    server = PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OpaApi.Options.defaults());
    client = client(server.port(), 8);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private DecisionClient client(int port, int max) {
    return new DecisionClient(
        URI.create("http://127.0.0.1:" + port),
        Duration.ofSeconds(5),
        max,
        Duration.ofSeconds(5),
        clock);
  }

  private void activate(String policy) {
    pdp.activate(
        BundleReader.fromFiles("app", Map.of("app.rego", policy.getBytes(StandardCharsets.UTF_8))));
  }

  private static Map<String, Object> role(String r) {
    return Map.of("user", Map.of("role", r), "resource", Map.of("environment", "production"));
  }

  @Test
  void decide_policyAllows_allowedWithDecisionId() {
    Decision d = client.decide("app/allow", role("sre"));

    assertThat(d.allowed()).isTrue();
    assertThat(d.result()).isEqualTo(Boolean.TRUE);
    assertThat(d.decisionId()).isNotBlank();
    assertThat(d.cached()).isFalse();
  }

  @Test
  void decide_policyDenies_denied() {
    Decision d = client.decide("app/allow", role("dev"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEmpty();
  }

  @Test
  void decide_undefinedPath_deniedWithAReasonNamingThePath() {
    // Regression: an undefined answer (a misspelt path, a rule without a default) was a denial
    // with an empty reason, as a policy's own denial is; docs/sdk.md promises a reason.
    Decision d = client.decide("app/nothing_here", role("sre"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.result()).isNull();
    assertThat(d.decisionId()).isNotBlank();
    assertThat(d.reason()).contains("undefined").contains("app/nothing_here");
  }

  @Test
  void decide_undefinedAnswer_keptLikeAnyAnswerOfThePdp() {
    client.decide("app/nothing_here", role("sre"));
    activate(ALLOW_SRE + "nothing_here := true\n");

    Decision d = client.decide("app/nothing_here", role("sre"));

    assertThat(d.cached()).isTrue();
    assertThat(d.allowed()).isFalse();
  }

  @Test
  void decide_baseWithAPath_asksBelowThatPath() throws Exception {
    // Regression: the base's path was dropped (a PDP behind a proxy at /opa/ was asked at /v1/...).
    List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer proxy =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    proxy.createContext(
        "/",
        ex -> {
          asked.add(ex.getRequestURI().getRawPath());
          byte[] body = "{\"result\":true}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    proxy.start();
    try {
      for (String base : List.of("/opa", "/opa/")) {
        DecisionClient behind =
            new DecisionClient(
                URI.create("http://127.0.0.1:" + proxy.getAddress().getPort() + base),
                Duration.ZERO,
                8,
                Duration.ofSeconds(5),
                clock);

        assertThat(behind.decide("app/allow", role("sre")).allowed()).isTrue();
      }
      assertThat(asked).containsExactly("/opa/v1/data/app/allow", "/opa/v1/data/app/allow");
    } finally {
      proxy.stop(0);
    }
  }

  @Test
  void decide_answerRepeatingAllow_deniedNamingTheKey() throws Exception {
    // A proxy or a PDP that reads the first "allow" says no; a last-wins reader said yes.
    com.sun.net.httpserver.HttpServer pdp =
        com.sun.net.httpserver.HttpServer.create(
            new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    pdp.createContext(
        "/",
        ex -> {
          byte[] body =
              "{\"result\":{\"allow\":false,\"allow\":true}}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    pdp.start();
    try {
      DecisionClient client =
          new DecisionClient(
              URI.create("http://127.0.0.1:" + pdp.getAddress().getPort()),
              Duration.ZERO,
              8,
              Duration.ofSeconds(5),
              clock);

      Decision d = client.decide("app", role("sre"));

      assertThat(d.allowed()).isFalse();
      assertThat(d.reason())
          .contains("the decision point's answer: duplicate key \"allow\" in object result");
    } finally {
      pdp.stop(0);
    }
  }

  @Test
  void new_negativeTtlOrTimeoutNotPositive_refusedNamingTheValue() {
    // Regression: a negative TTL quietly turned the cache off, and a timeout of zero failed with
    // the HTTP client's "Invalid duration: PT0S".
    URI base = URI.create("http://127.0.0.1:8181");
    assertThatThrownBy(
            () -> new DecisionClient(base, Duration.ofSeconds(-5), 8, Duration.ofSeconds(1), clock))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ttl")
        .hasMessageContaining("PT-5S");
    for (Duration timeout : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
      assertThatThrownBy(() -> new DecisionClient(base, Duration.ZERO, 8, timeout, clock))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timeout must be positive: " + timeout);
    }
  }

  @Test
  void new_baseThatIsNoHttpAddress_refusedNamingIt() {
    for (String base : List.of("localhost:8181", "ftp://127.0.0.1:8181", "http://h:1/?q=1")) {
      assertThatThrownBy(
              () ->
                  new DecisionClient(
                      URI.create(base), Duration.ZERO, 8, Duration.ofSeconds(1), clock))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("\"" + base + "\"");
    }
  }

  @Test
  void decide_sameInputWithinTtl_answeredFromCacheEvenAfterPolicyChange() {
    client.decide("app/allow", role("sre"));
    activate("package app\nimport rego.v1\ndefault allow := false\n");

    Decision d = client.decide("app/allow", role("sre"));

    assertThat(d.allowed()).isTrue();
    assertThat(d.cached()).isTrue();
  }

  @Test
  void decide_afterTtl_asksThePdpAgain() {
    client.decide("app/allow", role("sre"));
    activate("package app\nimport rego.v1\ndefault allow := false\n");
    clock.step(Duration.ofSeconds(5));

    Decision d = client.decide("app/allow", role("sre"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.cached()).isFalse();
  }

  @Test
  void decide_inputKeysInAnotherOrder_shareOneCacheEntry() {
    client.decide("app/allow", Map.of("a", 1, "user", Map.of("role", "sre", "x", List.of(1, 2))));

    Decision d =
        client.decide(
            "app/allow", Map.of("user", Map.of("x", List.of(1, 2), "role", "sre"), "a", 1));

    assertThat(d.cached()).isTrue();
    assertThat(client.cached()).isEqualTo(1);
  }

  @Test
  void decide_moreInputsThanTheBound_keepsOnlyTheMostRecent() {
    DecisionClient small = client(server.port(), 2);
    small.decide("app/allow", role("a"));
    small.decide("app/allow", role("b"));
    small.decide("app/allow", role("c"));

    assertThat(small.cached()).isEqualTo(2);
    assertThat(small.decide("app/allow", role("c")).cached()).isTrue();
    assertThat(small.decide("app/allow", role("a")).cached()).isFalse();
  }

  @Test
  void decide_pdpUnreachable_deniedWithReasonAndNotCached() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    DecisionClient down = client(closed, 8);

    Decision d = down.decide("app/allow", role("sre"));

    assertThat(d.allowed()).isFalse();
    // Regression: the reason ended in "java.net.ConnectException", the class of a bare exception.
    assertThat(d.reason()).contains("could not be asked: connection refused");
    assertThat(down.cached()).isZero();
  }

  @Test
  void decide_pathWithQueryOrDots_refusedNamingIt() {
    assertThatThrownBy(() -> client.decide("app/allow?x=1", role("sre")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"app/allow?x=1\"");
    assertThatThrownBy(() -> client.decide("app/../admin", role("sre")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"app/../admin\"");
  }
}
