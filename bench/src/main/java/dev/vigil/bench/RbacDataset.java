package dev.vigil.bench;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The directory behind benchmarks (2) and (4): 10,000 users, 200 roles and 1,000 resources with
 * attributes, generated from a fixed seed so that every run and every engine sees the same data.
 *
 * <p>Each role grants actions on 25 resources; each user holds one to three roles. The Java methods
 * {@link #rbacAllows} and {@link #allows} restate the Rego policy {@code rbac_abac.rego} plainly;
 * they give the expected answers that the benchmarks verify before they measure.
 */
public final class RbacDataset {

  static final int USERS = 10_000;
  static final int ROLES = 200;
  static final int RESOURCES = 1_000;
  static final int GRANTS_PER_ROLE = 25;

  static final String[] DEPARTMENTS = {
    "payments", "identity", "search", "ledger", "platform", "data", "mobile", "web"
  };
  static final String[] ENVIRONMENTS = {"production", "staging", "development"};
  static final String[] CLASSIFICATIONS = {"public", "internal", "confidential", "restricted"};

  /** A user: roles held, department and clearance level (0 to 3). */
  public record User(List<String> roles, String department, int clearance) {}

  /** A resource's attributes; classification is an index into {@link #CLASSIFICATIONS}. */
  public record Resource(String environment, int classification, String owner) {}

  /** One request: who asks to do what on which resource, and whether MFA was done. */
  public record Request(String user, String resource, String action, boolean mfa) {}

  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, Map<String, Set<String>>> roleGrants = new LinkedHashMap<>();
  private final Map<String, Resource> resources = new LinkedHashMap<>();

  private RbacDataset() {}

  /** Generates the directory from the fixed seed. */
  public static RbacDataset generate() {
    RbacDataset d = new RbacDataset();
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < RESOURCES; i++) {
      d.resources.put(
          resourceId(i),
          new Resource(
              pick(random, ENVIRONMENTS),
              random.nextInt(CLASSIFICATIONS.length),
              pick(random, DEPARTMENTS)));
    }
    for (int r = 0; r < ROLES; r++) {
      Map<String, Set<String>> grants = new LinkedHashMap<>();
      while (grants.size() < GRANTS_PER_ROLE) {
        Set<String> actions = new LinkedHashSet<>();
        actions.add("read");
        if (random.nextInt(2) == 0) {
          actions.add("write");
        }
        if (random.nextInt(5) == 0) {
          actions.add("delete");
        }
        grants.putIfAbsent(resourceId(random.nextInt(RESOURCES)), actions);
      }
      d.roleGrants.put(roleId(r), grants);
    }
    for (int u = 0; u < USERS; u++) {
      Set<String> roles = new LinkedHashSet<>();
      int count = 1 + random.nextInt(3);
      while (roles.size() < count) {
        roles.add(roleId(random.nextInt(ROLES)));
      }
      d.users.put(
          userId(u), new User(List.copyOf(roles), pick(random, DEPARTMENTS), random.nextInt(4)));
    }
    return d;
  }

  static String userId(int i) {
    return String.format("user-%05d", i);
  }

  static String roleId(int i) {
    return String.format("role-%03d", i);
  }

  static String resourceId(int i) {
    return String.format("res-%04d", i);
  }

  public Map<String, User> users() {
    return users;
  }

  public Map<String, Resource> resources() {
    return resources;
  }

  /** Returns the actions each role grants, by role and then resource. */
  public Map<String, Map<String, Set<String>>> roleGrants() {
    return roleGrants;
  }

  /** Whether one of the user's roles grants the action on the resource. */
  public boolean rbacAllows(Request q) {
    User user = users.get(q.user());
    if (user == null) {
      return false;
    }
    for (String role : user.roles()) {
      Set<String> actions = roleGrants.get(role).get(q.resource());
      if (actions != null && actions.contains(q.action())) {
        return true;
      }
    }
    return false;
  }

  /** The full decision of {@code rbac_abac.rego}: the role grant plus the attribute checks. */
  public boolean allows(Request q) {
    User user = users.get(q.user());
    Resource resource = resources.get(q.resource());
    if (user == null || resource == null || !rbacAllows(q)) {
      return false;
    }
    if (user.clearance() < resource.classification()) {
      return false;
    }
    if (!resource.environment().equals("production")) {
      return true;
    }
    return q.mfa() && (q.action().equals("read") || user.department().equals(resource.owner()));
  }

  /**
   * Generates {@link DecisionScenario#SIZE} requests: about two in three ask for an action a role
   * of the user grants (so the attribute checks decide), the rest ask at random.
   */
  public List<Request> requests(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    String[] actions = {"read", "write", "delete"};
    List<Request> out = new ArrayList<>();
    while (out.size() < DecisionScenario.SIZE) {
      String userId = userId(random.nextInt(USERS));
      boolean mfa = random.nextInt(5) != 0;
      if (random.nextInt(3) != 0) {
        User user = users.get(userId);
        String role = user.roles().get(random.nextInt(user.roles().size()));
        List<Map.Entry<String, Set<String>>> grants =
            new ArrayList<>(roleGrants.get(role).entrySet());
        Map.Entry<String, Set<String>> grant = grants.get(random.nextInt(grants.size()));
        List<String> granted = new ArrayList<>(grant.getValue());
        out.add(
            new Request(userId, grant.getKey(), granted.get(random.nextInt(granted.size())), mfa));
      } else {
        out.add(
            new Request(
                userId,
                resourceId(random.nextInt(RESOURCES)),
                actions[random.nextInt(actions.length)],
                mfa));
      }
    }
    return out;
  }

  /** Builds the Rego input document of a request. */
  public static Value input(Request q) {
    return ObjectValue.of(
        str("user"),
        ObjectValue.of(str("id"), str(q.user()), str("mfa"), BooleanValue.of(q.mfa())),
        str("resource"),
        ObjectValue.of(str("id"), str(q.resource())),
        str("action"),
        str(q.action()));
  }

  /** Builds the base document: {@code {"rbac": {"users": ..., "roles": ..., "resources": ...}}}. */
  public Value regoData() {
    Map<Value, Value> userDocs = new HashMap<>();
    users.forEach(
        (id, u) ->
            userDocs.put(
                str(id),
                ObjectValue.of(
                    str("roles"),
                    ArrayValue.of(u.roles().stream().map(RbacDataset::str).toList()),
                    str("department"),
                    str(u.department()),
                    str("clearance"),
                    NumberValue.of(u.clearance()))));
    Map<Value, Value> roleDocs = new HashMap<>();
    roleGrants.forEach(
        (id, grants) -> {
          Map<Value, Value> permissions = new HashMap<>();
          grants.forEach(
              (res, acts) ->
                  permissions.put(
                      str(res), ArrayValue.of(acts.stream().map(RbacDataset::str).toList())));
          roleDocs.put(str(id), ObjectValue.of(str("permissions"), ObjectValue.wrap(permissions)));
        });
    Map<Value, Value> resourceDocs = new HashMap<>();
    resources.forEach(
        (id, r) ->
            resourceDocs.put(
                str(id),
                ObjectValue.of(
                    str("environment"),
                    str(r.environment()),
                    str("classification"),
                    str(CLASSIFICATIONS[r.classification()]),
                    str("owner"),
                    str(r.owner()))));
    return ObjectValue.of(
        str("rbac"),
        ObjectValue.of(
            str("users"),
            ObjectValue.wrap(userDocs),
            str("roles"),
            ObjectValue.wrap(roleDocs),
            str("resources"),
            ObjectValue.wrap(resourceDocs)));
  }

  /** Returns jCasbin's {@code p} lines: one (role, resource, action) per granted action. */
  public List<List<String>> casbinPolicies() {
    List<List<String>> lines = new ArrayList<>();
    roleGrants.forEach(
        (role, grants) ->
            grants.forEach((res, acts) -> acts.forEach(a -> lines.add(List.of(role, res, a)))));
    return lines;
  }

  /** Returns jCasbin's {@code g} lines: one (user, role) per role held. */
  public List<List<String>> casbinGroupings() {
    List<List<String>> lines = new ArrayList<>();
    users.forEach((id, u) -> u.roles().forEach(role -> lines.add(List.of(id, role))));
    return lines;
  }

  private static String pick(SplittableRandom random, String[] options) {
    return options[random.nextInt(options.length)];
  }

  private static StringValue str(String s) {
    return StringValue.of(s);
  }
}
