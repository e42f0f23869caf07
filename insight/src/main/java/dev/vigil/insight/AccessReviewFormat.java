package dev.vigil.insight;

import dev.vigil.access.Grant;
import dev.vigil.insight.AccessReview.Finding;
import dev.vigil.insight.AccessReview.GrantUse;
import dev.vigil.insight.AccessReview.Person;
import dev.vigil.insight.AccessReview.RouteUse;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes an {@link AccessReview} as text, JSON or CSV. */
final class AccessReviewFormat {

  /** The columns of the CSV answer, in order. */
  static final List<String> CSV_COLUMNS =
      List.of(
          "record",
          "subject",
          "idp",
          "email",
          "roles",
          "groups",
          "item",
          "state",
          "allowed",
          "denied",
          "uses",
          "last",
          "detail",
          "evidence");

  private static final String NL = System.lineSeparator();

  private AccessReviewFormat() {}

  /** Returns {@code d} as the grants' own durations are written: {@code 30m}, {@code 1h30m}. */
  static String duration(Duration d) {
    long h = d.toHours();
    long m = d.toMinutesPart();
    if (h == 0) {
      return m + "m";
    }
    return m == 0 ? h + "h" : h + "h" + m + "m";
  }

  static String text(AccessReview r, String route) {
    StringBuilder sb = new StringBuilder();
    long grants = r.people().stream().mapToLong(p -> p.grants().size()).sum();
    sb.append(
        String.format(
            "access review, %s%s: %d decisions, %d people, %d grants%n",
            r.window(),
            route == null ? "" : ", route " + Texts.clean(route),
            r.decisions(),
            r.people().size(),
            grants));
    sb.append("privileged roles")
        .append(r.rolesDerived() ? " (derived from the window)" : "")
        .append(": ")
        .append(r.privilegedRoles().isEmpty() ? "(none)" : clean(r.privilegedRoles()))
        .append(NL);
    sb.append("findings (").append(r.findings().size()).append("):").append(NL);
    if (r.findings().isEmpty()) {
      sb.append("  (none)").append(NL);
    }
    for (Finding f : r.findings()) {
      // Built of cleaned parts already; kept whole, however long.
      String detail = f.detail().replaceAll("\\p{Cntrl}", "?");
      sb.append(String.format("  %-24s %s%s%n", f.kind(), who(f), detail));
      if (!f.evidence().isEmpty()) {
        sb.append(String.format("  %-24s evidence: %s%n", "", clean(f.evidence())));
      }
    }
    sb.append("people:").append(NL);
    if (r.people().isEmpty()) {
      sb.append("  (none)").append(NL);
    }
    r.people().forEach(p -> person(sb, p));
    r.notes().forEach(n -> sb.append("note: ").append(n).append(NL));
    return sb.toString();
  }

  private static String who(Finding f) {
    return f.subject() == null ? "" : name(f.subject(), f.idp()) + "  ";
  }

  private static String name(String id, String idp) {
    return Texts.clean(id) + " (" + Texts.clean(idp) + ")";
  }

  private static void person(StringBuilder sb, Person p) {
    sb.append("  ")
        .append(name(p.id(), p.idp()))
        .append(p.email() == null ? "" : "  " + Texts.clean(p.email()))
        .append(p.configured() ? "  configured" : "")
        .append(NL);
    sb.append("    roles ")
        .append(p.roles().isEmpty() ? "(none)" : clean(p.roles()))
        .append("  groups ")
        .append(p.groups().isEmpty() ? "(none)" : clean(p.groups()))
        .append(NL);
    sb.append("    requests ")
        .append(p.requests())
        .append(p.lastSeen() == null ? ", never seen" : ", last " + p.lastSeen())
        .append(NL);
    for (RouteUse u : p.routes()) {
      sb.append(
          String.format(
              "    route %-24s %s%d allowed  %d denied%s  last %s%n",
              Texts.clean(u.route()),
              u.privileged() ? "privileged  " : "",
              u.allowed(),
              u.denied(),
              u.notEvaluated() == 0 ? "" : "  " + u.notEvaluated() + " not evaluated",
              u.lastUse()));
    }
    if (p.mayRequest() != null) {
      sb.append("    may request: ").append(list(p.mayRequest())).append(NL);
      sb.append("    may approve: ").append(list(p.mayApprove())).append(NL);
    }
    for (GrantUse g : p.grants()) {
      sb.append("    grant ")
          .append(g.grant().id())
          .append("  ")
          .append(grantDetail(g))
          .append(
              g.held()
                  ? "  used " + g.uses() + (g.lastUse() == null ? "" : ", last " + g.lastUse())
                  : "")
          .append(NL);
    }
  }

  /** What a grant is: its entitlement, state, who gave it when and for how long. */
  private static String grantDetail(GrantUse u) {
    Grant g = u.grant();
    StringBuilder sb = new StringBuilder(Texts.clean(g.entitlement()));
    sb.append(' ').append(u.state().wireName());
    if (g.breakGlass()) {
      sb.append(", break-glass at ").append(g.startsAt());
    } else if (g.decidedBy() != null) {
      String verb = g.state() == Grant.State.DENIED ? "denied" : "approved";
      sb.append(", ").append(verb).append(" by ").append(Texts.clean(g.decidedBy()));
      sb.append(" at ").append(g.decidedAt());
    } else {
      sb.append(", asked at ").append(g.requestedAt());
    }
    sb.append(", ").append(duration(g.duration()));
    if (g.endedBy() != null) {
      sb.append(", revoked by ").append(Texts.clean(g.endedBy())).append(" at ");
      sb.append(g.endedAt());
    }
    return sb.toString();
  }

  private static String list(List<String> items) {
    return items.isEmpty() ? "(none)" : clean(items);
  }

  private static String clean(Iterable<String> items) {
    List<String> out = new ArrayList<>();
    items.forEach(i -> out.add(Texts.clean(i)));
    return String.join(", ", out);
  }

  static String json(AccessReview r, String route) {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(r.window().since().toString()));
    doc.put(s("until"), s(r.window().until().toString()));
    doc.put(s("route"), s(route));
    doc.put(s("decisions"), NumberValue.of(r.decisions()));
    doc.put(s("other_callers"), NumberValue.of(r.otherCallers()));
    doc.put(s("privileged_roles"), strings(List.copyOf(r.privilegedRoles())));
    doc.put(s("privileged_roles_derived"), BooleanValue.of(r.rolesDerived()));
    List<Value> findings = new ArrayList<>();
    for (Finding f : r.findings()) {
      findings.add(
          ObjectValue.of(
              s("kind"), s(f.kind()),
              s("subject"), s(f.subject()),
              s("idp"), s(f.idp()),
              s("detail"), s(f.detail()),
              s("evidence"), strings(f.evidence())));
    }
    doc.put(s("findings"), ArrayValue.of(findings));
    doc.put(s("people"), ArrayValue.of(r.people().stream().map(p -> (Value) person(p)).toList()));
    doc.put(s("capped"), BooleanValue.of(r.capped()));
    doc.put(s("notes"), strings(r.notes()));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static ObjectValue person(Person p) {
    Map<Value, Value> o = new LinkedHashMap<>();
    o.put(s("id"), s(p.id()));
    o.put(s("idp"), s(p.idp()));
    o.put(s("email"), s(p.email()));
    o.put(s("roles"), strings(p.roles()));
    o.put(s("groups"), strings(p.groups()));
    o.put(s("configured"), BooleanValue.of(p.configured()));
    o.put(s("requests"), NumberValue.of(p.requests()));
    o.put(s("last_seen"), time(p.lastSeen()));
    List<Value> routes = new ArrayList<>();
    for (RouteUse u : p.routes()) {
      routes.add(
          ObjectValue.of(
              s("route"), s(u.route()),
              s("privileged"), BooleanValue.of(u.privileged()),
              s("allowed"), NumberValue.of(u.allowed()),
              s("denied"), NumberValue.of(u.denied()),
              s("not_evaluated"), NumberValue.of(u.notEvaluated()),
              s("last"), time(u.lastUse())));
    }
    o.put(s("routes"), ArrayValue.of(routes));
    o.put(s("may_request"), p.mayRequest() == null ? NullValue.NULL : strings(p.mayRequest()));
    o.put(s("may_approve"), p.mayApprove() == null ? NullValue.NULL : strings(p.mayApprove()));
    List<Value> grants = new ArrayList<>();
    for (GrantUse u : p.grants()) {
      Grant g = u.grant();
      Map<Value, Value> j = new LinkedHashMap<>();
      j.put(s("id"), s(g.id()));
      j.put(s("entitlement"), s(g.entitlement()));
      j.put(s("state"), s(u.state().wireName()));
      j.put(s("break_glass"), BooleanValue.of(g.breakGlass()));
      j.put(s("requested_at"), time(g.requestedAt()));
      j.put(s("decided_by"), s(g.decidedBy()));
      j.put(s("decided_at"), time(g.decidedAt()));
      j.put(s("starts_at"), time(g.startsAt()));
      j.put(s("expires_at"), time(g.expiresAt()));
      j.put(s("duration_s"), NumberValue.of(g.duration().toSeconds()));
      j.put(s("ended_by"), s(g.endedBy()));
      j.put(s("ended_at"), time(g.endedAt()));
      j.put(s("reviewed_by"), s(g.reviewedBy()));
      j.put(s("uses"), NumberValue.of(u.uses()));
      j.put(s("last_use"), time(u.lastUse()));
      j.put(s("examples"), strings(u.examples()));
      grants.add(ObjectValue.of(j));
    }
    o.put(s("grants"), ArrayValue.of(grants));
    return ObjectValue.of(o);
  }

  private static Value time(Instant t) {
    return t == null ? NullValue.NULL : s(t.toString());
  }

  private static Value s(String v) {
    return v == null ? NullValue.NULL : StringValue.of(v);
  }

  private static ArrayValue strings(List<String> items) {
    return ArrayValue.of(items.stream().map(i -> (Value) StringValue.of(i)).toList());
  }

  static String csv(AccessReview r) {
    StringBuilder sb = new StringBuilder();
    row(sb, CSV_COLUMNS);
    for (Finding f : r.findings()) {
      row(
          sb,
          cells(
              "finding",
              f.subject(),
              f.idp(),
              null,
              null,
              null,
              f.kind(),
              null,
              null,
              null,
              null,
              null,
              f.detail(),
              String.join(";", f.evidence())));
    }
    for (Person p : r.people()) {
      String roles = String.join(";", p.roles());
      String groups = String.join(";", p.groups());
      long allowed = p.routes().stream().mapToLong(RouteUse::allowed).sum();
      long denied = p.routes().stream().mapToLong(RouteUse::denied).sum();
      row(
          sb,
          cells(
              "person",
              p.id(),
              p.idp(),
              p.email(),
              roles,
              groups,
              null,
              p.configured() ? "configured" : null,
              Long.toString(allowed),
              Long.toString(denied),
              null,
              string(p.lastSeen()),
              null,
              null));
      for (RouteUse u : p.routes()) {
        row(
            sb,
            cells(
                "route",
                p.id(),
                p.idp(),
                null,
                null,
                null,
                u.route(),
                u.privileged() ? "privileged" : null,
                Long.toString(u.allowed()),
                Long.toString(u.denied()),
                null,
                string(u.lastUse()),
                null,
                null));
      }
      for (GrantUse u : p.grants()) {
        row(
            sb,
            cells(
                "grant",
                p.id(),
                p.idp(),
                null,
                null,
                null,
                u.grant().id(),
                u.state().wireName(),
                null,
                null,
                Long.toString(u.uses()),
                string(u.lastUse()),
                grantDetail(u),
                String.join(";", u.examples())));
      }
      if (p.mayRequest() != null) {
        entitlements(sb, "may_request", p, p.mayRequest());
        entitlements(sb, "may_approve", p, p.mayApprove());
      }
    }
    return sb.toString();
  }

  private static void entitlements(StringBuilder sb, String record, Person p, List<String> names) {
    for (String e : names) {
      row(
          sb,
          cells(
              record, p.id(), p.idp(), null, null, null, e, null, null, null, null, null, null,
              null));
    }
  }

  private static String string(Instant t) {
    return t == null ? null : t.toString();
  }

  private static List<String> cells(String... values) {
    List<String> out = new ArrayList<>(values.length);
    for (String v : values) {
      out.add(v == null ? "" : v);
    }
    return out;
  }

  /** Writes one CSV record (RFC 4180: CRLF, quotes doubled). */
  private static void row(StringBuilder sb, List<String> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(cell(cells.get(i)));
    }
    sb.append("\r\n");
  }

  /**
   * Quotes a cell when it needs it, and disarms one a spreadsheet would read as a formula (a value
   * from a request starting with {@code =}, {@code +}, {@code @} or {@code -}): it gets a leading
   * {@code '}.
   */
  static String cell(String v) {
    String t = v.replaceAll("[\\p{Cntrl}&&[^\\r\\n]]", "?");
    if (!t.isEmpty() && "=+@".indexOf(t.charAt(0)) >= 0 || t.length() > 1 && t.charAt(0) == '-') {
      t = "'" + t;
    }
    if (t.indexOf(',') >= 0
        || t.indexOf('"') >= 0
        || t.indexOf('\n') >= 0
        || t.indexOf('\r') >= 0) {
      return '"' + t.replace("\"", "\"\"") + '"';
    }
    return t;
  }
}
