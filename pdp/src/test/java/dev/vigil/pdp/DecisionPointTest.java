package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DecisionPointTest {

  static final String AUTHZ_V0 = TestPolicies.AUTHZ_V0;

  @TempDir Path tmp;

  static Bundle bundle(String rego) {
    return TestPolicies.bundle(rego);
  }

  static Value input(String role, String env, String action) {
    return Json.parse(
        "{\"user\":{\"role\":\"%s\"},\"resource\":{\"environment\":\"%s\"},\"action\":\"%s\"}"
            .formatted(role, env, action));
  }

  private static DecisionPoint pdp(String rego, boolean v0) {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withV0(v0));
    pdp.activate(bundle(rego));
    return pdp;
  }

  @Test
  void decide_v0AuthzPolicy_allowsSreReadingProduction() {
    Decision d = pdp(AUTHZ_V0, true).decide("authz/allow", input("sre", "production", "read"));

    assertThat(d.allowed()).isTrue();
    assertThat(d.letThrough()).isTrue();
    assertThat(d.explanation().rule()).isEqualTo("data.authz.allow");
  }

  /** A local variable used to be named as the compiler renamed it: "$role_0 is ...". */
  @Test
  void decide_denialOnALocalVariable_namesItAsThePolicyWroteIt() {
    String rego =
        """
        package authz
        allow if {
          role := input.user.role
          role == "sre"
        }
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "production", "read"));

    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:4: role == \"sre\" failed: role is \"dev\"");
  }

  /**
   * A decision document ({@code {"allow": allow, "obligations": ...}}, as docs/policy-input.md
   * writes it) that denied used to be explained by a body of the document's rule that had failed,
   * though another body of it had held and built the answer: "input.user.role == \"sre\" failed"
   * for an SRE asked for a second factor. The condition that made {@code allow} false is named.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "sre|false|authz.rego:6: input.user.mfa == true failed: input.user.mfa is false",
        "dev|true|authz.rego:5: input.user.role == \"sre\" failed: input.user.role is \"dev\"",
        "dev|false|authz.rego:5: input.user.role == \"sre\" failed: input.user.role is \"dev\""
      })
  void decide_deniedDecisionDocument_namesTheConditionOfAllowThatFailed(
      String role, boolean mfa, String explained) {
    String rego =
        """
        package authz
        import rego.v1
        default allow := false
        allow if {
          input.user.role == "sre"
          input.user.mfa == true
        }
        decision := {"allow": allow, "obligations": {"step_up": "mfa"}} if {
          input.user.role == "sre"
          not input.user.mfa
        }
        decision := {"allow": allow} if input.user.mfa
        decision := {"allow": allow} if not input.user.role == "sre"
        """;
    Value input = Json.parse("{\"user\":{\"role\":\"%s\",\"mfa\":%s}}".formatted(role, mfa));

    Decision d = pdp(rego, false).decide("authz/decision", input);

    assertThat(d.allowed()).isFalse();
    assertThat(d.explanation().message()).isEqualTo(explained);
    assertThat(d.explanation().rule()).isEqualTo("data.authz.allow");
  }

  /** A literal answer that denies names the document, not a body of it that failed. */
  @Test
  void decide_literalDecisionDocumentDenies_namesTheDocument() {
    String rego =
        """
        package authz
        import rego.v1
        decision := {"allow": false} if input.user.role == "dev"
        decision := {"allow": true} if input.user.role == "sre"
        """;

    Decision d = pdp(rego, false).decide("authz/decision", input("dev", "production", "read"));

    assertThat(d.explanation().message()).isEqualTo("data.authz.decision is denied");
  }

  /**
   * A helper rule that was undefined ({@code allow if is_admin}) used to be the whole explanation,
   * "is_admin failed: data.authz.is_admin is undefined"; the condition that failed inside it is
   * named, through several helpers too.
   */
  @Test
  void decide_deniedThroughUndefinedHelpers_namesTheConditionInsideThem() {
    String rego =
        """
        package authz
        import rego.v1
        default allow := false
        allow if is_privileged
        is_privileged if is_admin
        is_admin if {
          input.resource.environment == "production"
          input.user.role == "admin"
        }
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "production", "read"));

    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:8: input.user.role == \"admin\" failed: input.user.role is \"dev\"");
    assertThat(d.explanation().rule()).isEqualTo("data.authz.is_admin");
  }

  /**
   * A condition written over several lines (an every, a comprehension) used to be explained with
   * its line breaks and tabs, which split the one line of vigil logs and of the service log.
   */
  @Test
  void decide_deniedByAConditionOverSeveralLines_explainsItOnOneLine() {
    String rego =
        """
        package authz
        import rego.v1
        default allow := false
        allow if {
        \tevery g in input.user.groups {
        \t\tstartswith(g, "team-")
        \t}
        }
        """;
    Value input = Json.parse("{\"user\":{\"groups\":[\"team-a\",\"ops\"]}}");

    Decision d = pdp(rego, false).decide("authz/allow", input);

    assertThat(d.explanation().failedExpression())
        .isEqualTo("every g in input.user.groups { startswith(g, \"team-\") }");
    assertThat(d.explanation().message())
        .isEqualTo(
            "authz.rego:5: every g in input.user.groups { startswith(g, \"team-\") } failed");
  }

  /** A wildcard used to be named as the compiler renamed it: "data.readers[$0] is ...". */
  @Test
  void decide_denialOnAWildcard_namesItAsThePolicyWroteIt() {
    String rego =
        """
        package authz
        import rego.v1
        readers := ["erik"]
        allow if readers[_] == input.user.role
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "production", "read"));

    assertThat(d.explanation().message())
        .isEqualTo(
            "authz.rego:4: readers[_] == input.user.role failed: data.authz.readers[_] is \"erik\","
                + " input.user.role is \"dev\"");
  }

  /** An allow used to be explained by the first rule of its name: the default that says false. */
  @Test
  void decide_allowUnderDefaultFalse_namesTheRuleThatCanAllowNotTheDefault() {
    Decision d = pdp(AUTHZ_V0, true).decide("authz/allow", input("sre", "production", "read"));

    assertThat(d.explanation().location()).isEqualTo("authz.rego:3");
    assertThat(d.explanation().message()).isEqualTo("allowed by data.authz.allow (authz.rego:3)");
  }

  @Test
  void decide_allowWithSeveralRules_namesEveryRuleThatCanAllow() {
    String rego =
        """
        package authz
        default allow := false
        allow if input.user.role == "sre"
        allow if input.action == "read"
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "staging", "read"));

    assertThat(d.explanation().location()).isEqualTo("authz.rego:3 or authz.rego:4");
    assertThat(d.explanation().message())
        .isEqualTo("allowed by data.authz.allow (authz.rego:3 or authz.rego:4)");
  }

  @Test
  void decide_deniedByAConditionWithALiteralSet_explainsTheInputNotTheLiteral() {
    String rego =
        """
        package authz
        default allow := false
        allow if input.user.role in {"sre", "admin"}
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "staging", "read"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.explanation().message())
        .isEqualTo(
            "authz.rego:3: input.user.role in {\"sre\", \"admin\"} failed: input.user.role is"
                + " \"dev\"");
  }

  @Test
  void decide_v0AuthzPolicy_deniesOtherRoleAndExplainsTheFailedCondition() {
    Decision d = pdp(AUTHZ_V0, true).decide("data.authz.allow", input("dev", "production", "read"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.letThrough()).isFalse();
    assertThat(d.reason()).isEqualTo("denied");
    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:4: input.user.role == \"sre\" failed: input.user.role is \"dev\"");
  }

  /**
   * A role that no rule names was explained as "data.authz.allow is denied": the rule index left
   * every body out, so the explaining evaluation saw no condition fail.
   */
  @Test
  void decide_roleNoRuleNames_explainsTheConditionThatFailed() {
    String rego =
        """
        package authz
        default allow := false
        allow if input.user.role == "sre"
        allow if {
          input.user.role == "dev"
          input.action == "read"
        }
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("guest", "production", "read"));

    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:3: input.user.role == \"sre\" failed: input.user.role is \"guest\"");
  }

  @Test
  void decide_noUserAtAll_explainsTheConditionThatFailed() {
    String rego =
        """
        package authz
        default allow := false
        allow if input.user.role == "sre"
        allow if input.user.role == "dev"
        """;

    Decision d = pdp(rego, false).decide("authz/allow", Json.parse("{}"));

    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:3: input.user.role == \"sre\" failed: input.user.role is undefined");
  }

  /** Of several bodies that fail, the one that held the most conditions explains the denial. */
  @Test
  void decide_severalBodiesFail_explainsTheBodyThatCameClosest() {
    String rego =
        """
        package authz
        default allow := false
        allow if {
          input.user.role == "dev"
          input.action == "read"
        }
        allow if input.user.role == "sre"
        """;

    Decision d = pdp(rego, false).decide("authz/allow", input("dev", "production", "write"));

    assertThat(d.explanation().message())
        .isEqualTo("authz.rego:5: input.action == \"read\" failed: input.action is \"write\"");
  }

  @Test
  void decide_wrongEnvironment_explainsTheSecondCondition() {
    Decision d = pdp(AUTHZ_V0, true).decide("authz/allow", input("sre", "staging", "read"));

    assertThat(d.explanation().message())
        .isEqualTo(
            "authz.rego:5: input.resource.environment == \"production\" failed: "
                + "input.resource.environment is \"staging\"");
  }

  /** Case C16 and its kind: only JSON true (or an object with allow: true) ever allows. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "package authz\\nalow := true | undefined",
        "package authz\\nallow := \"true\" | non-boolean",
        "package authz\\nallow := {\"allowed\": true} | non-boolean",
        "package authz\\nallow := 1 | non-boolean",
        "package authz\\nallow := [true] | non-boolean",
        "package authz\\nallow := {true} | non-boolean",
        "package authz\\nallow := null | non-boolean",
        "package authz\\nallow := {\"allow\": \"true\"} | non-boolean",
        "package authz\\nallow := true\\nallow := false if { true } | error",
      })
  void decide_anythingButTrue_denies(String rego, String reason) {
    Decision d = pdp(rego.replace("\\n", "\n"), false).decide("authz/allow", Json.parse("{}"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.letThrough()).isFalse();
    assertThat(d.reason()).startsWith(reason);
  }

  @Test
  void decide_c16Bundle5_allowsTheNamedUser() {
    DecisionPoint pdp =
        pdp("package authz\ndefault allow := false\nallow if input.user == \"user-123\"\n", false);

    assertThat(pdp.decide("authz/allow", Json.parse("{\"user\":\"user-123\"}")).allowed()).isTrue();
    assertThat(pdp.decide("authz/allow", Json.parse("{\"user\":\"user-124\"}")).allowed())
        .isFalse();
  }

  @Test
  void decide_objectAnswer_readsAllowReasonsAndObligations() {
    DecisionPoint pdp =
        pdp(
            """
            package authz
            decision := {"allow": false, "reasons": ["mfa required"],
                         "obligations": {"step_up": "mfa"}}
            """,
            false);

    Decision d = pdp.decide("authz/decision", Json.parse("{}"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.reasons()).containsExactly("mfa required");
    assertThat(d.obligations().toJson()).isEqualTo("{\"step_up\":\"mfa\"}");
  }

  @Test
  void decide_maskedField_neverShownInTheExplanation() {
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withMasking(new Masking(List.of("/input/password"), List.of("input.user.pin"))));
    pdp.activate(
        bundle(
            "package authz\nimport rego.v1\nallow if input.password == \"s3cret-admin-pw\"\n"
                + "pin_ok if input.user.pin == 1234\n"));

    Decision d = pdp.decide("authz/allow", Json.parse("{\"password\":\"users-typo-of-real-pw\"}"));
    Decision pin = pdp.decide("authz/pin_ok", Json.parse("{\"user\":{\"pin\":4321}}"));

    assertThat(d.explanation().message())
        .contains("input.password is **REDACTED**")
        .doesNotContain("users-typo-of-real-pw");
    assertThat(pin.explanation().message()).doesNotContain("4321");
  }

  @Test
  void decide_monitorMode_letsDenialThroughButMarksIt() {
    DecisionPoint pdp = pdp(AUTHZ_V0, true);
    pdp.setMode("authz", Mode.MONITOR);

    Decision d = pdp.decide("authz/allow", input("dev", "production", "read"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.enforced()).isFalse();
    assertThat(d.letThrough()).isTrue();
    assertThat(d.mode()).isEqualTo(Mode.MONITOR);
  }

  @Test
  void decide_observeMode_doesNotEvaluate() {
    DecisionPoint pdp = pdp(AUTHZ_V0, true);
    pdp.setMode("authz/allow", Mode.OBSERVE);

    Decision d = pdp.decide("authz/allow", input("sre", "production", "read"));

    assertThat(d.result()).isNull();
    assertThat(d.enforced()).isFalse();
    assertThat(d.letThrough()).isTrue();
  }

  @Test
  void decide_noPolicy_deniesAsUndefined() {
    Decision d =
        new DecisionPoint(DecisionPoint.Options.defaults()).decide("authz/allow", Json.parse("{}"));

    assertThat(d.allowed()).isFalse();
    assertThat(d.reason()).isEqualTo("undefined");
    assertThat(d.explanation().message()).contains("no rule defines data.authz.allow");
  }

  @Test
  void activate_badBundle_keepsThePreviousPolicy() {
    DecisionPoint pdp = pdp(AUTHZ_V0, true);

    assertThatThrownBy(() -> pdp.activate(bundle("package authz\nallow if {")))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("test-bundle");
    assertThat(pdp.decide("authz/allow", input("sre", "production", "read")).allowed()).isTrue();
  }

  @Test
  void activate_packageOutsideRoots_refused() {
    Bundle b =
        BundleReader.fromFiles(
            "rooted",
            Map.of(
                ".manifest", "{\"roots\":[\"billing\"]}".getBytes(StandardCharsets.UTF_8),
                "authz.rego", "package authz\nallow := true\n".getBytes(StandardCharsets.UTF_8)));
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());

    assertThatThrownBy(() -> pdp.activate(b)).hasMessageContaining("outside the bundle roots");
  }

  @Test
  void decide_withDecisionLog_storesMaskedExplainedEvent() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(
              DecisionPoint.Options.defaults()
                  .withV0(true)
                  .withDecisionLog(log)
                  .withNode("node-a")
                  .withMasking(
                      new Masking(List.of("/input/password"), List.of("input.user.role"))));
      pdp.activate(bundle(AUTHZ_V0));
      Value in =
          Json.parse(
              "{\"user\":{\"role\":\"dev\"},\"resource\":{\"environment\":\"production\"},"
                  + "\"action\":\"read\",\"password\":\"hunter2\"}");

      Decision d = pdp.decide("authz/allow", in, Map.of("subject", "bob", "route", "app"));
      d.logged().get(10, TimeUnit.SECONDS);

      DecisionRecord r = new DecisionReader(store).get(d.decisionId()).orElseThrow();
      assertThat(r.allowed()).isFalse();
      assertThat(r.subject()).isEqualTo("bob");
      assertThat(r.node()).isEqualTo("node-a");
      assertThat(r.eventJson())
          .doesNotContain("hunter2")
          .contains("\"erased\":[\"/input/password\"]")
          .contains("**REDACTED**")
          .contains("\"decision_id\":\"" + d.decisionId() + "\"")
          .contains("input.user.role == \\\"sre\\\" failed");
      pdp.close();
    }
  }

  /**
   * `vigil up` gave its decision point the configured masks only, so the bearer tokens and session
   * cookies that its external-authorization endpoints put in the input were logged in clear.
   */
  @Test
  void decide_configuredMasksOnly_stillMasksCredentialHeaders() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(
              DecisionPoint.Options.defaults()
                  .withDecisionLog(log)
                  .withMasking(new Masking(List.of("/input/password"), List.of())));
      pdp.activate(bundle("package authz\nimport rego.v1\nallow if input.x == 1\n"));
      Value in =
          Json.parse(
              "{\"request\":{\"headers\":{\"authorization\":\"Bearer tok-123\","
                  + "\"cookie\":\"s=cookie-456\",\"proxy-authorization\":\"Basic pa-789\"}}}");

      Decision d = pdp.decide("authz/allow", in);
      d.logged().get(10, TimeUnit.SECONDS);

      String event = new DecisionReader(store).get(d.decisionId()).orElseThrow().eventJson();
      assertThat(event)
          .doesNotContain("tok-123")
          .doesNotContain("cookie-456")
          .doesNotContain("pa-789")
          .contains("\"authorization\":\"**REDACTED**\"");
      pdp.close();
    }
  }

  /** A masked header read with brackets, as a name with a dash must be, was shown in the why. */
  @Test
  void decide_maskedFieldReadWithBrackets_neverShownInTheExplanation() {
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withMasking(new Masking(List.of(), List.of("/input/request/headers/x-api-key"))));
    pdp.activate(
        bundle(
            "package authz\nimport rego.v1\n"
                + "allow if input.request.headers[\"x-api-key\"] == \"k-admin\"\n"));

    Decision d =
        pdp.decide(
            "authz/allow", Json.parse("{\"request\":{\"headers\":{\"x-api-key\":\"k-user\"}}}"));

    assertThat(d.explanation().message())
        .contains("input.request.headers[\"x-api-key\"] is **REDACTED**")
        .doesNotContain("k-user");
  }

  /** A masked value copied into a local variable was shown in the why under the variable. */
  @Test
  void decide_maskedValueCopiedIntoAVariable_neverShownInTheExplanation() {
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withMasking(new Masking(List.of(), List.of("/input/request/headers/x-api-key"))));
    pdp.activate(
        bundle(
            "package authz\n"
                + "import rego.v1\n"
                + "allow if {\n"
                + "  k := input.request.headers[\"x-api-key\"]\n"
                + "  k == \"k-admin\"\n"
                + "}\n"));

    Decision d =
        pdp.decide(
            "authz/allow", Json.parse("{\"request\":{\"headers\":{\"x-api-key\":\"k-user\"}}}"));

    assertThat(d.explanation().message()).contains("**REDACTED**").doesNotContain("k-user");
  }

  @Test
  void decide_inputNestedDeeperThanTheCompactEvent_stillLogged() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(bundle("package deep\nimport rego.v1\nallow := true\n"));
      // Json.parse takes 1,000 levels; the compact event, 512.
      Value in = Json.parse("{\"a\":" + "[".repeat(900) + "]".repeat(900) + "}");

      Decision d = pdp.decide("deep/allow", in);
      d.logged().get(10, TimeUnit.SECONDS);

      DecisionRecord r = new DecisionReader(store).get(d.decisionId()).orElseThrow();
      assertThat(r.eventJson()).contains("\"input\":" + Json.write(in));
      pdp.close();
    }
  }

  /** Thousands of evaluation steps: past any budget of a nanosecond, well within the default. */
  static final String SLOW_ALLOW =
      "package slow\nimport rego.v1\n"
          + "allow if count([x | some x in numbers.range(1, 50000)]) == 50000\n";

  @Test
  void tryDecide_policyPastTheBudget_answersNullAndLogsNothing() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
      pdp.activate(bundle(SLOW_ALLOW));
      PolicyPath path = PolicyPath.parse("slow/allow");
      Value in = Json.parse("{}");

      Decision tried =
          pdp.tryDecide(
              path, in, Map.of(), pdp.evalOptions().withTimeout(Duration.ofNanos(1)), null);
      Decision d = pdp.decide(path, in, Map.of(), pdp.evalOptions(), null);
      d.logged().get(10, TimeUnit.SECONDS);

      assertThat(tried).isNull();
      assertThat(d.allowed()).isTrue();
      assertThat(new DecisionReader(store).count()).isEqualTo(1);
      pdp.close();
    }
  }

  @Test
  void tryDecide_withinBudget_decidesAndLogsLikeDecide() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("data")))) {
      DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
      DecisionPoint pdp =
          new DecisionPoint(DecisionPoint.Options.defaults().withV0(true).withDecisionLog(log));
      pdp.activate(bundle(AUTHZ_V0));

      Decision d =
          pdp.tryDecide(
              PolicyPath.parse("authz/allow"),
              input("dev", "production", "read"),
              Map.of("route", "app"),
              pdp.evalOptions(),
              null);
      d.logged().get(10, TimeUnit.SECONDS);

      assertThat(d.allowed()).isFalse();
      assertThat(d.explanation().message()).contains("input.user.role == \"sre\" failed");
      DecisionRecord r = new DecisionReader(store).get(d.decisionId()).orElseThrow();
      assertThat(r.route()).isEqualTo("app");
      assertThat(r.allowed()).isFalse();
      pdp.close();
    }
  }

  @Test
  void modesNamingNothing_pathsOfRulesDataOrInsideThemOrObserved_areNotListed() {
    DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withModes(
                    new ModeTable(
                        Map.of(
                            "authz", Mode.OBSERVE,
                            "authz/allow", Mode.ENFORCE,
                            "authz/limits/max", Mode.MONITOR,
                            "authz/alow", Mode.ENFORCE,
                            "other", Mode.MONITOR,
                            "still/to/write", Mode.OBSERVE,
                            "", Mode.ENFORCE),
                        Mode.ENFORCE)));
    pdp.activate(
        TestPolicies.bundle(
            "package authz\nimport rego.v1\ndefault allow := false\n"
                + "limits := {\"max\": 3}\n"));

    assertThat(pdp.modesNamingNothing()).containsExactly("authz/alow", "other");
    assertThat(pdp.rulePaths()).containsExactly("authz/allow", "authz/limits");
  }
}
