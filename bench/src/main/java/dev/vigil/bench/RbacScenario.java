package dev.vigil.bench;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * Benchmark (2): {@code rbac_abac.rego} (v1 syntax) over the {@link RbacDataset} held in {@code
 * data}. Two queries share one compiled policy: the full decision, and the role grant alone, which
 * is the part jCasbin's model expresses, for a like-for-like comparison.
 */
public final class RbacScenario {

  static final String ALLOW = "data.rbac.allow";
  static final String ROLE_GRANT = "data.rbac.role_grants_action";
  static final long REQUEST_SEED = 7;

  private RbacScenario() {}

  /** Compiles the policy with the dataset as base data. */
  public static Policy compile(RbacDataset dataset) {
    return Policy.compile(
        List.of(new Source("rbac_abac.rego", Resources.text("rbac_abac.rego"))),
        dataset.regoData(),
        CompileOptions.defaults());
  }

  /** The full RBAC + ABAC decision over the shared request set; not yet verified. */
  public static DecisionScenario allow(Policy policy, RbacDataset dataset) {
    List<RbacDataset.Request> requests = dataset.requests(REQUEST_SEED);
    boolean[] expected = new boolean[requests.size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = dataset.allows(requests.get(i));
    }
    List<Value> inputs = requests.stream().map(RbacDataset::input).toList();
    return new DecisionScenario("rbac+abac", policy.prepare(ALLOW), inputs, expected);
  }

  /** The role grant alone over the same requests; not yet verified. */
  public static DecisionScenario roleGrant(Policy policy, RbacDataset dataset) {
    List<RbacDataset.Request> requests = dataset.requests(REQUEST_SEED);
    boolean[] expected = new boolean[requests.size()];
    for (int i = 0; i < expected.length; i++) {
      expected[i] = dataset.rbacAllows(requests.get(i));
    }
    List<Value> inputs = requests.stream().map(RbacDataset::input).toList();
    return new DecisionScenario("rbac role grant", policy.prepare(ROLE_GRANT), inputs, expected);
  }
}
