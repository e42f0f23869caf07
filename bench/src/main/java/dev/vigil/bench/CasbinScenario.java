package dev.vigil.bench;

import java.util.List;
import org.casbin.jcasbin.main.Enforcer;
import org.casbin.jcasbin.model.Model;

/**
 * Benchmark (4): jCasbin with the classic RBAC model ({@code casbin_rbac_model.conf}) loaded with
 * the same users, roles and grants as {@link RbacDataset}. jCasbin's {@code enforce(sub, obj, act)}
 * answers the role grant only; the attribute conditions of the Rego policy have no place in this
 * model, so its figure compares with the role-grant query of benchmark (2).
 */
public final class CasbinScenario {

  private final Enforcer enforcer;
  private final String[][] requests;
  private final boolean[] expected;

  private CasbinScenario(Enforcer enforcer, String[][] requests, boolean[] expected) {
    this.enforcer = enforcer;
    this.requests = requests;
    this.expected = expected;
  }

  /** Loads the model and the dataset's lines, and builds the requests; does not verify them. */
  public static CasbinScenario create(RbacDataset dataset) {
    Enforcer enforcer =
        new Enforcer(Model.newModelFromString(Resources.text("casbin_rbac_model.conf")));
    enforcer.enableLog(false);
    enforcer.addPolicies(dataset.casbinPolicies());
    enforcer.addGroupingPolicies(dataset.casbinGroupings());
    List<RbacDataset.Request> list = dataset.requests(RbacScenario.REQUEST_SEED);
    String[][] requests = new String[list.size()][];
    boolean[] expected = new boolean[list.size()];
    for (int i = 0; i < requests.length; i++) {
      RbacDataset.Request q = list.get(i);
      requests[i] = new String[] {q.user(), q.resource(), q.action()};
      expected[i] = dataset.rbacAllows(q);
    }
    return new CasbinScenario(enforcer, requests, expected);
  }

  /** Asks jCasbin about request {@code i} (0 to {@link DecisionScenario#SIZE} - 1). */
  public boolean decide(int i) {
    String[] r = requests[i];
    return enforcer.enforce(r[0], r[1], r[2]);
  }

  /**
   * Checks every request against the dataset's answer.
   *
   * @throws IllegalStateException naming the first request answered wrongly
   */
  public void verify() {
    int allows = 0;
    for (int i = 0; i < requests.length; i++) {
      boolean got = decide(i);
      if (got != expected[i]) {
        throw new IllegalStateException(
            "jcasbin: wrong decision for "
                + String.join(", ", requests[i])
                + ": got "
                + got
                + ", expected "
                + expected[i]);
      }
      allows += got ? 1 : 0;
    }
    if (allows == 0 || allows == requests.length) {
      throw new IllegalStateException("jcasbin: the requests must include allows and denies");
    }
  }
}
