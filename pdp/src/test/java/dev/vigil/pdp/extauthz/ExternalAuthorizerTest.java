package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.ModeTable;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The verdict rules shared by every adapter, without a socket. */
class ExternalAuthorizerTest {

  @TempDir Path tmp;

  static HttpRequestDescription get(String path) {
    return new HttpRequestDescription("GET", path, "app", null, Map.of(), "192.0.2.1");
  }

  ExternalAuthorizer authorizer(DecisionPoint pdp) {
    return new ExternalAuthorizer(
        pdp,
        null,
        PolicyPath.parse("authz/allow"),
        new PolicyInputBuilder(TrustedProxies.none(), InstantSource.system()));
  }

  DecisionPoint pdp(Mode mode, DecisionLog log) {
    DecisionPoint.Options o =
        DecisionPoint.Options.defaults().withModes(new ModeTable(Map.of("authz", mode), mode));
    DecisionPoint pdp = new DecisionPoint(log == null ? o : o.withDecisionLog(log));
    pdp.activate(
        BundleReader.fromFiles(
            "t", Map.of("a.rego", ExtAuthzFixture.POLICY.getBytes(StandardCharsets.UTF_8))));
    return pdp;
  }

  @Test
  void authorize_noPolicyLoaded_denies() {
    ExternalAuthorizer a = authorizer(new DecisionPoint(DecisionPoint.Options.defaults()));

    AuthzVerdict v = a.authorize("test", get("/public/a"), Set.of());

    assertThat(v.letThrough()).isFalse();
    assertThat(v.decision().reason()).isEqualTo("undefined");
  }

  @Test
  void authorize_decisionLogClosed_deniesEvenAnAllowedRequest() {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("d")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      log.close();

      AuthzVerdict v =
          authorizer(pdp(Mode.ENFORCE, log)).authorize("t", get("/public/a"), Set.of());

      assertThat(v.letThrough()).isFalse();
      assertThat(v.upstreamHeaders()).isEmpty();
      assertThat(v.decision().reason()).startsWith("decision log unavailable");
    }
  }

  @Test
  void authorize_decisionLogClosedInMonitorMode_stillDenies() {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("d")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      log.close();

      AuthzVerdict v = authorizer(pdp(Mode.MONITOR, log)).authorize("t", get("/admin"), Set.of());

      assertThat(v.letThrough()).isFalse();
    }
  }

  @Test
  void authorize_observeMode_letsThroughWithoutEvaluating() {
    AuthzVerdict v = authorizer(pdp(Mode.OBSERVE, null)).authorize("t", get("/admin"), Set.of());

    assertThat(v.letThrough()).isTrue();
    assertThat(v.monitored()).isTrue();
    assertThat(v.decision().result()).isNull();
  }

  @Test
  void authorize_allowed_addsDecisionIdUpstream() {
    AuthzVerdict v = authorizer(pdp(Mode.ENFORCE, null)).authorize("t", get("/public/a"), Set.of());

    assertThat(v.upstreamHeaders())
        .containsExactly(Map.entry("x-vigil-decision-id", v.decisionId()));
  }

  @Test
  void authorize_denied_addsNothingUpstream() {
    AuthzVerdict v = authorizer(pdp(Mode.ENFORCE, null)).authorize("t", get("/me/x"), Set.of());

    assertThat(v.letThrough()).isFalse();
    assertThat(v.upstreamHeaders()).isEmpty();
  }

  @Test
  void identityHeaders_keepOnlyTokenNamesAndSingleLineStrings() {
    var h =
        ExternalAuthorizer.identityHeaders(
            Json.parse(
                "{\"allow\":true,\"headers\":{\"X-User\":\"alice\",\"bad name\":\"x\","
                    + "\"x-crlf\":\"a\\r\\nb\",\"x-num\":1,\"Host\":\"evil\","
                    + "\"Transfer-Encoding\":\"chunked\",\"x-vigil-decision-id\":\"forged\","
                    + "\"x-tab\":\"a\\tb\"}}"));

    assertThat(h).containsOnly(Map.entry("x-user", "alice"), Map.entry("x-tab", "a\tb"));
  }

  /**
   * Regression: a value outside ASCII was kept and written as Latin-1 bytes or {@code ?}, so the
   * users {@code 用户} and {@code 客户} reached the app as the same {@code x-user: ??}.
   */
  @Test
  void identityHeaders_valueOutsideAscii_isLeftOut() {
    var h =
        ExternalAuthorizer.identityHeaders(
            Json.parse(
                "{\"allow\":true,\"headers\":{\"x-user\":\"用户\",\"x-email\":\"josé@x\","
                    + "\"x-c1\":\"a\\u0085b\",\"x-del\":\"a\\u007fb\","
                    + "\"x-encoded\":\"%E7%94%A8%E6%88%B7\"}}"));

    assertThat(h).containsOnly(Map.entry("x-encoded", "%E7%94%A8%E6%88%B7"));
  }

  @Test
  void identityHeaders_notAnObjectAnswer_isEmpty() {
    assertThat(ExternalAuthorizer.identityHeaders(Json.parse("true"))).isEmpty();
    assertThat(ExternalAuthorizer.identityHeaders(Json.parse("{\"headers\":[\"x\"]}"))).isEmpty();
    assertThat(ExternalAuthorizer.identityHeaders(null)).isEmpty();
  }

  @Test
  void identityHeaders_manyHeaders_areCapped() {
    StringBuilder json = new StringBuilder("{\"allow\":true,\"headers\":{");
    for (int i = 0; i < 50; i++) {
      json.append(i == 0 ? "" : ",").append("\"x-h").append(i).append("\":\"v\"");
    }
    json.append("}}");

    assertThat(ExternalAuthorizer.identityHeaders(Json.parse(json.toString())))
        .hasSize(ExternalAuthorizer.MAX_HEADERS);
  }

  @Test
  void authorize_refusedPath_deniesWithReasonAndNoDecision() {
    AuthzVerdict v =
        authorizer(pdp(Mode.MONITOR, null)).authorize("t", get("/public/%2e%2e%2Fadmin"), Set.of());

    assertThat(v.letThrough()).isFalse();
    assertThat(v.decision()).isNull();
    assertThat(v.refusal()).contains("ambiguous encoding %2F");
  }

  @Test
  void authorize_refusedPath_logFull_countedInsteadOfWaitingForRoom() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("full")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults().withCapacity(4));
      DecisionPoint pdp = pdp(Mode.ENFORCE, log);
      // The log's writer held by a lock on the store, until its queue is full.
      try (Connection locker = store.dataSource().getConnection();
          Statement lock = locker.createStatement()) {
        lock.execute("BEGIN IMMEDIATE");
        int queued = 0;
        while (log.tryAppend(
                () ->
                    new DecisionRecord(
                        "fill", Instant.now(), "p", null, null, false, "enforce", true, "n", "{}"))
            != null) {
          queued++;
          assertThat(queued).as("the decision log never filled up").isLessThan(100);
          Thread.sleep(5);
        }

        for (int i = 0; i < 3; i++) {
          AuthzVerdict v = authorizer(pdp).authorize("t", get("/a/%2e%2e%2Fadmin"), Set.of());
          assertThat(v.letThrough()).isFalse();
        }

        // Counted, as every refusal before policy is when the log has no room; before, each
        // waited 5 s for room and was then dropped uncounted.
        assertThat(pdp.unloggedRefusals().total(ExternalAuthorizer.REFUSAL_CODE)).isEqualTo(3);
        lock.execute("ROLLBACK");
      } finally {
        log.close();
      }
    }
  }
}
