package dev.vigil.pdp;

import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.rego.CapturingQuery;
import dev.vigil.rego.Policy;
import dev.vigil.rego.value.ObjectValue;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the decision point answers with at one moment: the compiled policy and where it came from.
 * Immutable but for its cache of prepared queries; replaced whole on every change.
 *
 * @param policy the compiled modules and data
 * @param v0 whether the modules were parsed in v0 syntax
 * @param bundle the active bundle, or null when policies came only through the API
 * @param uploaded modules uploaded through {@code PUT /v1/policies}, by id
 * @param baseData data set through the data API, merged over the bundle's
 * @param queries prepared queries by policy path
 * @param allows the explanation of an allow, by policy path: the same for every allow
 */
record PolicyState(
    Policy policy,
    boolean v0,
    Bundle bundle,
    Map<String, String> uploaded,
    ObjectValue baseData,
    Map<PolicyPath, CapturingQuery> queries,
    Map<PolicyPath, Explanation> allows) {

  PolicyState(
      Policy policy, boolean v0, Bundle bundle, Map<String, String> uploaded, ObjectValue data) {
    this(
        policy,
        v0,
        bundle,
        Map.copyOf(uploaded),
        data,
        new ConcurrentHashMap<>(),
        new ConcurrentHashMap<>());
  }

  String revision() {
    return bundle == null ? "" : bundle.manifest().revision();
  }

  /** Returns the prepared query of a path, preparing it on first use. */
  CapturingQuery query(PolicyPath path) {
    return queries.computeIfAbsent(path, p -> CapturingQuery.prepare(policy, p.query(), false));
  }
}
