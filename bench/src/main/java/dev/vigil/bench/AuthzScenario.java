package dev.vigil.bench;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Benchmark (1): the example policy {@code examples/authz/authz.rego} in v0 syntax, three
 * conditions on the input. Inputs vary role, environment and action, so about one in five allows.
 */
public final class AuthzScenario {

  static final String QUERY = "data.authz.allow";
  private static final String[] ROLES = {"sre", "sre", "developer", "auditor"};
  private static final String[] ENVIRONMENTS = {"production", "production", "staging"};
  private static final String[] ACTIONS = {"read", "read", "write"};

  private AuthzScenario() {}

  /** Compiles the policy, builds the inputs and their answers; does not verify them. */
  public static DecisionScenario create() {
    Policy policy =
        Policy.compile(
            List.of(new Source("authz.rego", Resources.text("authz.rego"))),
            null,
            CompileOptions.defaults().withV0(true));
    SplittableRandom random = new SplittableRandom(1);
    List<Value> inputs = new ArrayList<>();
    boolean[] expected = new boolean[DecisionScenario.SIZE];
    for (int i = 0; i < DecisionScenario.SIZE; i++) {
      String role = ROLES[random.nextInt(ROLES.length)];
      String environment = ENVIRONMENTS[random.nextInt(ENVIRONMENTS.length)];
      String action = ACTIONS[random.nextInt(ACTIONS.length)];
      inputs.add(input("user-" + i, role, environment, action));
      expected[i] = role.equals("sre") && environment.equals("production") && action.equals("read");
    }
    return new DecisionScenario("authz", policy.prepare(QUERY), inputs, expected);
  }

  /** Builds one request as the gateway would: the user, the resource and the action. */
  public static Value input(String userId, String role, String environment, String action) {
    return ObjectValue.of(
        str("user"),
        ObjectValue.of(str("id"), str(userId), str("role"), str(role)),
        str("resource"),
        ObjectValue.of(str("service"), str("ledger"), str("environment"), str(environment)),
        str("action"),
        str(action));
  }

  private static StringValue str(String s) {
    return StringValue.of(s);
  }
}
