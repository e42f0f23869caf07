package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Language semantics where a wrong answer is easy and costly: undefined versus false, conflicts,
 * and captured boolean results of builtins (security case C12, OPA issue 5283), each checked with
 * rule indexing on and off.
 */
class RegoSemanticsTest {

  private static final String AUTHZ_V0 =
      """
      package authz
      default allow = false
      allow {
      input.user.role == "sre"
      input.resource.environment == "production"
      input.action == "read"
      }
      """;

  static Policy compile(String text, boolean v0) {
    return Policy.compile(
        List.of(new Source("authz.rego", text)), null, CompileOptions.defaults().withV0(v0));
  }

  static Value eval(Policy p, String query, String input, String var) {
    QueryResult r =
        p.prepare(query).eval(input == null ? null : Json.parse(input), EvalOptions.defaults());
    if (r.isUndefined()) {
      return null;
    }
    assertThat(r.rows()).hasSize(1);
    return var == null ? r.rows().get(0).expressions().get(0) : r.rows().get(0).bindings().get(var);
  }

  /** Evaluates with and without the rule index and checks that both agree. */
  static Value evalBoth(Policy p, String query, String input) {
    Value indexed = eval(p, query, input, "x");
    Value plain = eval(p.withRuleIndexing(false), query, input, "x");
    assertThat(indexed).isEqualTo(plain);
    return indexed;
  }

  @Test
  void authzV0_matchingInput_allows() {
    Policy p = compile(AUTHZ_V0, true);
    String input =
        """
        {"user": {"role": "sre"}, "resource": {"environment": "production"}, "action": "read"}
        """;
    assertThat(eval(p, "data.authz.allow", input, null)).isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void authzV0_otherRole_deniesWithDefaultFalse() {
    Policy p = compile(AUTHZ_V0, true);
    String input =
        """
        {"user": {"role": "dev"}, "resource": {"environment": "production"}, "action": "read"}
        """;
    assertThat(eval(p, "data.authz.allow", input, null)).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void authzV0_noInput_deniesWithDefaultFalse() {
    Policy p = compile(AUTHZ_V0, true);
    assertThat(eval(p, "data.authz.allow", null, null)).isEqualTo(BooleanValue.FALSE);
  }

  private static final String C12 =
      """
      package authz

      path_is_public := m if {
        m := glob.match("/docs/*/public", ["/"], input.path)
      }

      in_head := glob.match("/docs/*/public", ["/"], input.path)

      compared if glob.match("/docs/*/public", ["/"], input.path) == false

      not_public if not path_is_public

      captured_equal if {
        m := glob.match("/docs/*/public", ["/"], input.path)
        m == false
      }

      obj := {"public": path_is_public}
      """;

  @ParameterizedTest
  @ValueSource(strings = {"/docs/v1/private", "/docs/a/b/public"})
  void globMatchCaptured_noMatch_isFalseNotUndefined(String path) {
    Policy p = compile(C12, false);
    String input = "{\"path\": \"" + path + "\"}";
    assertThat(evalBoth(p, "x := data.authz.path_is_public", input)).isEqualTo(BooleanValue.FALSE);
    assertThat(evalBoth(p, "x := data.authz.in_head", input)).isEqualTo(BooleanValue.FALSE);
    assertThat(evalBoth(p, "x := data.authz.compared", input)).isEqualTo(BooleanValue.TRUE);
    assertThat(evalBoth(p, "x := data.authz.captured_equal", input)).isEqualTo(BooleanValue.TRUE);
    assertThat(evalBoth(p, "x := data.authz.not_public", input)).isEqualTo(BooleanValue.TRUE);
    assertThat(evalBoth(p, "x := data.authz.obj", input))
        .isEqualTo(Json.parse("{\"public\": false}"));
  }

  @Test
  void globMatchCaptured_match_isTrue() {
    Policy p = compile(C12, false);
    String input = "{\"path\": \"/docs/v1/public\"}";
    assertThat(evalBoth(p, "x := data.authz.path_is_public", input)).isEqualTo(BooleanValue.TRUE);
    assertThat(evalBoth(p, "x := data.authz.compared", input)).isNull();
    assertThat(evalBoth(p, "x := data.authz.not_public", input)).isNull();
  }

  @Test
  void capturedComparison_manyIndexedRules_keepsFalseResult() {
    StringBuilder sb = new StringBuilder("package r\n\n");
    for (int i = 0; i < 50; i++) {
      sb.append("allow := m if {\n  input.action == \"a")
          .append(i)
          .append("\"\n  m := input.level == ")
          .append(i)
          .append("\n}\n\n");
    }
    Policy p = compile(sb.toString(), false);
    assertThat(evalBoth(p, "x := data.r.allow", "{\"action\": \"a7\", \"level\": 3}"))
        .isEqualTo(BooleanValue.FALSE);
    assertThat(evalBoth(p, "x := data.r.allow", "{\"action\": \"a7\", \"level\": 7}"))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(evalBoth(p, "x := data.r.allow", "{\"action\": \"zz\", \"level\": 7}")).isNull();
  }

  @Test
  void indexedRules_sameAnswersAsUnindexed_forEveryInput() {
    StringBuilder sb = new StringBuilder("package idx\n\n");
    for (int i = 0; i < 40; i++) {
      sb.append("allow if {\n  input.action == \"act")
          .append(i % 10)
          .append("\"\n  x := input.role\n  x == \"role")
          .append(i % 7)
          .append("\"\n}\n\n");
    }
    sb.append("allow if input.admin == true\n");
    sb.append("default allow := false\n");
    sb.append("reasons contains r if {\n  input.action == \"act3\"\n  r := \"three\"\n}\n");
    sb.append("reasons contains r if {\n  input.role == \"role2\"\n  r := \"two\"\n}\n");
    Policy p = compile(sb.toString(), false);
    for (int a = 0; a < 11; a++) {
      for (int r = 0; r < 8; r++) {
        String input =
            "{\"action\": \"act"
                + a
                + "\", \"role\": \"role"
                + r
                + "\", \"admin\": "
                + (a == 10)
                + "}";
        evalBoth(p, "x := data.idx.allow", input);
        evalBoth(p, "x := data.idx.reasons", input);
      }
    }
    assertThat(evalBoth(p, "x := data.idx.allow", "{\"action\": \"act3\", \"role\": \"role3\"}"))
        .isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void completeRules_twoValues_conflictError() {
    Policy p = compile("package c\n\np := 1 if input.a\n\np := 2 if input.a\n", false);
    assertThatThrownBy(() -> eval(p, "x := data.c.p", "{\"a\": true}", "x"))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("eval_conflict_error")
        .hasMessageContaining("complete rules must not produce multiple outputs");
  }

  @Test
  void undefinedRule_insideNot_succeeds() {
    Policy p = compile("package u\n\nq if input.missing == 1\n\np if not q\n", false);
    assertThat(eval(p, "x := data.u.p", "{}", "x")).isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void numbers_integerAndDecimal_compareEqual() {
    Policy p = compile("package n\n\np if 1 == 1.0\n", false);
    assertThat(eval(p, "x := data.n.p", null, "x")).isEqualTo(BooleanValue.TRUE);
  }
}
