package dev.vigil.gateway.edge;

import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.Session;
import dev.vigil.pdp.Timestamps;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds {@code input.grants}: the caller's just-in-time grants that count now, each as {@code id},
 * {@code entitlement}, {@code expires_at} (RFC 3339), {@code approved_by}, {@code break_glass} and
 * {@code reason}. Reads memory only ({@link Grants#active}), so it runs on the event loop; a caller
 * without a session, or a gateway without grants, has none. Only what the configuration in force
 * allows is there: a grant it no longer allows is left out and {@code expires_at} is the end it
 * gives, from the moment it is put in force, even before the store shows the cut.
 */
public final class GrantInput {

  static final Value NONE = ArrayValue.of(List.of());

  private GrantInput() {}

  static Value of(Grants grants, Session session) {
    if (grants == null || session == null) {
      return NONE;
    }
    return of(grants.active(session.userId(), session.provider()));
  }

  /**
   * Builds {@code input.grants} of {@code active}, grants that count now; also how {@code vigil
   * insight blast-radius --grant} shows a policy a grant it assumes held.
   */
  public static Value of(List<Grant> active) {
    if (active.isEmpty()) {
      return NONE;
    }
    List<Value> out = new ArrayList<>(active.size());
    for (Grant g : active) {
      Map<Value, Value> m = new HashMap<>();
      put(m, "id", StringValue.of(g.id()));
      put(m, "entitlement", StringValue.of(g.entitlement()));
      put(m, "expires_at", StringValue.of(Timestamps.iso(g.expiresAt())));
      put(m, "approved_by", StringValue.of(g.breakGlass() ? "" : g.decidedBy()));
      // A user id names a person with its sign-in only: corp's carol is not the local carol.
      put(m, "approved_by_provider", StringValue.of(g.breakGlass() ? "" : g.decidedByProvider()));
      put(m, "break_glass", BooleanValue.of(g.breakGlass()));
      put(m, "reason", StringValue.of(g.reason()));
      out.add(ObjectValue.wrap(m));
    }
    return ArrayValue.of(out);
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }
}
