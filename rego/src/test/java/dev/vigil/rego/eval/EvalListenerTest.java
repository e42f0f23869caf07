package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The listener explains a denial: which expression of which rule failed, on what values. */
class EvalListenerTest {

  @Test
  void listener_roleMismatch_reportsFailingComparisonWithValues() {
    String policy =
        """
        package authz

        default allow := false

        allow if {
          input.action == "read"
          input.user.role == "sre"
        }
        """;
    Policy p =
        Policy.compile(List.of(new Source("authz.rego", policy)), null, CompileOptions.defaults());
    List<String> events = new ArrayList<>();
    List<Value> seen = new ArrayList<>();
    Location[] where = {null};
    EvalListener listener =
        new EvalListener() {
          @Override
          public void enterRule(String rule, Location location) {
            events.add("enter " + rule);
          }

          @Override
          public void exitRule(String rule, Location location, boolean succeeded) {
            events.add("exit " + rule + " " + succeeded);
          }

          @Override
          public void exprFailed(String rule, Expr expr, List<Value> operands) {
            events.add("failed " + rule + ": " + expr.text());
            where[0] = expr.location();
            seen.addAll(operands);
          }
        };
    Value input = Json.parse("{\"action\": \"read\", \"user\": {\"role\": \"dev\"}}");
    p.prepare("data.authz.allow").eval(input, EvalOptions.defaults(), listener, null);

    assertThat(events)
        .contains(
            "enter data.authz.allow",
            "failed data.authz.allow: input.user.role == \"sre\"",
            "exit data.authz.allow false");
    assertThat(where[0].line()).isEqualTo(7);
    assertThat(seen).containsExactly(StringValue.of("dev"), StringValue.of("sre"));
  }
}
