package dev.vigil.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.PreparedQuery;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks the benchmark policies' answers without running JMH: a hand-picked allow and deny for
 * each, then every rotating input against the Java model, exactly as the benchmarks' setup does.
 */
class BenchmarkPoliciesTest {

  private static RbacDataset dataset;
  private static Policy rbacPolicy;

  @BeforeAll
  static void generateDirectory() {
    dataset = RbacDataset.generate();
    rbacPolicy = RbacScenario.compile(dataset);
  }

  @Test
  void authzPolicy_bundledCopy_matchesTheExample() throws IOException {
    Path example = Path.of("..", "examples", "authz", "authz.rego");

    assertThat(Resources.text("authz.rego")).isEqualTo(Files.readString(example));
  }

  @Test
  void authzPolicy_sreReadsProduction_allowed() {
    PreparedQuery q = AuthzScenario.create().query();

    assertThat(decide(q, AuthzScenario.input("u1", "sre", "production", "read"))).isTrue();
    assertThat(decide(q, AuthzScenario.input("u1", "sre", "production", "write"))).isFalse();
    assertThat(decide(q, AuthzScenario.input("u1", "developer", "production", "read"))).isFalse();
    assertThat(decide(q, AuthzScenario.input("u1", "sre", "staging", "read"))).isFalse();
  }

  @Test
  void authzScenario_everyInput_matchesTheModel() {
    AuthzScenario.create().verify();
  }

  @Test
  void rbacAbacPolicy_grantedReadOutsideProduction_allowed() {
    RbacDataset.Request granted = grantedRead(false);

    assertThat(dataset.allows(granted)).isTrue();
    assertThat(decideRbac(granted)).isTrue();
  }

  @Test
  void rbacAbacPolicy_grantedReadInProductionWithoutMfa_denied() {
    RbacDataset.Request granted = grantedRead(true);
    RbacDataset.Request noMfa =
        new RbacDataset.Request(granted.user(), granted.resource(), "read", false);

    assertThat(decideRbac(granted)).isTrue();
    assertThat(decideRbac(noMfa)).isFalse();
  }

  @Test
  void rbacAbacPolicy_ungrantedResource_denied() {
    RbacDataset.Request granted = grantedRead(false);
    String other =
        dataset.resources().keySet().stream()
            .filter(r -> !grantedTo(granted.user(), r))
            .findFirst()
            .orElseThrow();

    assertThat(decideRbac(new RbacDataset.Request(granted.user(), other, "read", true))).isFalse();
  }

  @Test
  void rbacAbacPolicy_unknownUser_denied() {
    assertThat(decideRbac(new RbacDataset.Request("nobody", "res-0001", "read", true))).isFalse();
  }

  @Test
  void rbacScenarios_everyInput_matchesTheModel() {
    RbacScenario.allow(rbacPolicy, dataset).verify();
    RbacScenario.roleGrant(rbacPolicy, dataset).verify();
  }

  @Test
  void indexedRules_matchingPathAndGet_allowed() {
    PreparedQuery q = IndexedRulesScenario.create().query();

    assertThat(decide(q, IndexedRulesScenario.input("/api/r0042", "GET"))).isTrue();
    assertThat(decide(q, IndexedRulesScenario.input("/api/r0999", "GET"))).isTrue();
    assertThat(decide(q, IndexedRulesScenario.input("/api/r0042", "POST"))).isFalse();
    assertThat(decide(q, IndexedRulesScenario.input("/api/r1000", "GET"))).isFalse();
  }

  @Test
  void indexedRulesScenario_everyInput_matchesTheModel() {
    IndexedRulesScenario.create().verify();
  }

  @Test
  void casbinScenario_everyRequest_matchesTheModel() {
    CasbinScenario.create(dataset).verify();
  }

  /** Finds a granted read whose attribute checks pass, in production or outside it. */
  private static RbacDataset.Request grantedRead(boolean production) {
    for (Map.Entry<String, RbacDataset.User> u : dataset.users().entrySet()) {
      RbacDataset.User user = u.getValue();
      for (String role : user.roles()) {
        for (Map.Entry<String, Set<String>> grant : dataset.roleGrants().get(role).entrySet()) {
          RbacDataset.Resource res = dataset.resources().get(grant.getKey());
          if (res.environment().equals("production") == production
              && user.clearance() >= res.classification()) {
            return new RbacDataset.Request(u.getKey(), grant.getKey(), "read", true);
          }
        }
      }
    }
    throw new IllegalStateException("the dataset has no granted read");
  }

  private static boolean grantedTo(String user, String resource) {
    return dataset.users().get(user).roles().stream()
        .anyMatch(role -> dataset.roleGrants().get(role).containsKey(resource));
  }

  private static boolean decideRbac(RbacDataset.Request q) {
    return decide(rbacPolicy.prepare(RbacScenario.ALLOW), RbacDataset.input(q));
  }

  private static boolean decide(PreparedQuery q, Value input) {
    return DecisionScenario.isTrue(q.eval(input, EvalOptions.defaults()));
  }
}
