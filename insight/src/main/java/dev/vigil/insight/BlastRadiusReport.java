package dev.vigil.insight;

import static dev.vigil.insight.JsonFields.obj;
import static dev.vigil.insight.JsonFields.str;
import static dev.vigil.insight.JsonFields.strings;
import static dev.vigil.insight.JsonFields.time;

import dev.vigil.insight.BlastRadius.Answer;
import dev.vigil.insight.BlastRadius.Change;
import dev.vigil.insight.BlastRadius.Reach;
import dev.vigil.insight.BlastRadius.RouteReach;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Writes a {@link BlastRadius} for people and as JSON (docs/insight.md, "Blast radius"). */
final class BlastRadiusReport {

  private BlastRadiusReport() {}

  static String text(BlastRadius b, String inService, String candidate) {
    StringBuilder sb = new StringBuilder();
    BlastSubject s = b.subject();
    line(
        sb,
        "blast radius of "
            + Texts.clean(s.node())
            + ", as of "
            + b.window().until().truncatedTo(ChronoUnit.SECONDS));
    line(sb, "  " + seen(s));
    if (!s.workload()) {
      line(
          sb,
          "  roles "
              + list(s.roles())
              + "; groups "
              + list(s.groups())
              + "; mfa "
              + s.mfa()
              + "; device "
              + device(s));
      if (!s.grants().isEmpty()) {
        line(
            sb,
            "  holding grants of "
                + Texts.clean(String.join(", ", s.grants()))
                + " (assumed approved): standing access and what they add");
      }
    }
    line(sb, "policy in service: " + Texts.clean(inService));
    if (candidate != null) {
      line(sb, "candidate: " + Texts.clean(candidate));
    }
    line(sb, "");
    line(
        sb,
        "reach under policy: "
            + b.reachable(false)
            + " of "
            + b.offered()
            + " route actions ("
            + b.notEnforced()
            + " only because the route does not enforce)");
    if (b.compared()) {
      line(
          sb,
          "with the candidate: "
              + b.reachable(true)
              + " of "
              + b.offered()
              + " (reduction "
              + b.changes(true).size()
              + ", newly reachable "
              + b.changes(false).size()
              + ")");
    }
    if (b.routes().isEmpty()) {
      line(
          sb,
          "  no route a "
              + s.kind()
              + " calls is configured: "
              + (s.workload() ? "give --sidecar SPIFFE_ID=FILE" : "give --config vigil.yaml"));
    }
    for (RouteReach r : b.routes()) {
      line(sb, routeLine(r));
      for (Reach a : r.actions()) {
        String now = verdict(r, a, a.inService());
        String next = "";
        if (b.compared() && a.offered()) {
          String then = verdict(r, a, a.candidate());
          next = "  | candidate: " + (then.equals(now) ? "same" : then);
        }
        line(sb, String.format("    %-7s %s%s", a.action(), now, next));
      }
    }
    if (b.compared()) {
      changes(sb, "no longer reachable with the candidate", b.changes(true));
      changes(sb, "newly reachable with the candidate", b.changes(false));
    }
    lateral(sb, b.lateral());
    return sb.toString();
  }

  private static String seen(BlastSubject s) {
    String given = s.given().isEmpty() ? "" : "; given " + String.join(", ", s.given());
    if (s.seen() == null) {
      return "not seen in the window: attributes from the options" + given;
    }
    return "attributes from its decision "
        + s.seen().decisionId()
        + " at "
        + s.seen().timestamp()
        + given;
  }

  private static String device(BlastSubject s) {
    if (s.device() instanceof ObjectValue d) {
      String status = DecisionFacts.string(d, "status");
      String id = DecisionFacts.string(d, "id");
      return Texts.clean(status) + (id == null ? "" : " (" + Texts.clean(id) + ")");
    }
    return "-";
  }

  private static String routeLine(RouteReach r) {
    List<String> attrs = new ArrayList<>();
    new TreeMap<>(r.resource()).forEach((k, v) -> attrs.add(k + " " + Texts.clean(v)));
    return "  "
        + r.kind()
        + " "
        + Texts.clean(r.name())
        + (r.workload() == null ? "" : " of " + Texts.clean(r.workload()))
        + "  "
        + r.mode().label()
        + (r.notEnforced() ? " (not enforced)" : "")
        + (attrs.isEmpty() ? "" : "  " + String.join(", ", attrs));
  }

  private static String verdict(RouteReach r, Reach a, Answer answer) {
    if (!a.offered()) {
      return "not offered: no request is asked this action on this route";
    }
    if (r.notEnforced()) {
      return "reachable, not enforced ("
          + r.mode().label()
          + ")"
          + (answer.allowed() ? "" : ": the policy would deny: " + Texts.clean(answer.why()));
    }
    return answer.allowed() ? "reachable" : "denied: " + Texts.clean(answer.why());
  }

  private static void changes(StringBuilder sb, String title, List<Change> changes) {
    line(sb, title + ": " + changes.size());
    for (Change c : changes) {
      line(sb, "  " + Texts.clean(c.route()) + " " + c.action());
    }
  }

  private static void lateral(StringBuilder sb, LateralMovement l) {
    line(sb, "lateral movement in the window's traffic (each hop a call let through):");
    if (l.steps().isEmpty()) {
      line(sb, "  none: no call of the subject was let through in the window");
    }
    for (LateralMovement.Step s : l.steps()) {
      line(
          sb,
          String.format(
              "  %d %-4s %s  via %s",
              s.hops(),
              s.hops() == 1 ? "hop" : "hops",
              Texts.clean(s.node()),
              Texts.clean(String.join(" -> ", s.chain()))));
    }
    if (!l.unfollowed().isEmpty()) {
      line(
          sb,
          "  not followed further, no workload configured behind: "
              + Texts.clean(String.join(", ", l.unfollowed())));
    }
    for (String note : l.notes()) {
      line(sb, "  note: " + note);
    }
  }

  static String json(BlastRadius b, String inService, String candidate) {
    BlastSubject s = b.subject();
    Map<String, Value> subject = new LinkedHashMap<>();
    subject.put("kind", str(s.kind()));
    subject.put("id", str(s.id()));
    if (!s.workload()) {
      subject.put("roles", strings(s.roles()));
      subject.put("groups", strings(s.groups()));
      subject.put("mfa", BooleanValue.of(s.mfa()));
      subject.put("device", s.device());
    }
    subject.put("seen_decision", str(s.seen() == null ? null : s.seen().decisionId()));
    subject.put("seen_at", time(s.seen() == null ? null : s.seen().timestamp()));
    subject.put("given", strings(s.given()));
    subject.put("grants", strings(s.grants()));

    Map<String, Value> o = new LinkedHashMap<>();
    o.put("subject", obj(subject));
    Map<String, Value> window = new LinkedHashMap<>();
    window.put("since", time(b.window().since()));
    window.put("until", time(b.window().until()));
    o.put("window", obj(window));
    o.put("in_service", str(inService));
    o.put("candidate", str(candidate));
    o.put("offered", NumberValue.of(b.offered()));
    o.put("reachable", NumberValue.of(b.reachable(false)));
    o.put("not_enforced", NumberValue.of(b.notEnforced()));
    o.put(
        "reachable_with_candidate",
        b.compared() ? NumberValue.of(b.reachable(true)) : NullValue.NULL);
    o.put("reduction", b.compared() ? NumberValue.of(b.changes(true).size()) : NullValue.NULL);
    o.put("no_longer_reachable", changes(b.changes(true)));
    o.put("newly_reachable", changes(b.changes(false)));
    List<Value> routes = new ArrayList<>();
    for (RouteReach r : b.routes()) {
      routes.add(route(r));
    }
    o.put("routes", ArrayValue.of(routes));
    o.put("lateral", lateral(b.lateral()));
    return Json.writePretty(obj(o));
  }

  private static Value route(RouteReach r) {
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("kind", str(r.kind()));
    m.put("name", str(r.name()));
    m.put("workload", str(r.workload()));
    m.put("mode", str(r.mode().label()));
    m.put("not_enforced", BooleanValue.of(r.notEnforced()));
    Map<String, Value> resource = new LinkedHashMap<>();
    new TreeMap<>(r.resource()).forEach((k, v) -> resource.put(k, str(v)));
    m.put("resource", obj(resource));
    List<Value> actions = new ArrayList<>();
    for (Reach a : r.actions()) {
      Map<String, Value> x = new LinkedHashMap<>();
      x.put("action", str(a.action()));
      x.put("method", str(a.method()));
      x.put("offered", BooleanValue.of(a.offered()));
      x.put("in_service", answer(r, a, a.inService(), false));
      x.put("candidate", answer(r, a, a.candidate(), true));
      actions.add(obj(x));
    }
    m.put("actions", ArrayValue.of(actions));
    return obj(m);
  }

  private static Value answer(RouteReach r, Reach a, Answer answer, boolean candidate) {
    if (answer == null) {
      return NullValue.NULL;
    }
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("reachable", BooleanValue.of(r.reachable(a, candidate)));
    m.put("allowed", BooleanValue.of(answer.allowed()));
    m.put("why", str(answer.why()));
    return obj(m);
  }

  private static Value changes(List<Change> changes) {
    List<Value> out = new ArrayList<>();
    for (Change c : changes) {
      Map<String, Value> m = new LinkedHashMap<>();
      m.put("route", str(c.route()));
      m.put("action", str(c.action()));
      out.add(obj(m));
    }
    return ArrayValue.of(out);
  }

  private static Value lateral(LateralMovement l) {
    List<Value> steps = new ArrayList<>();
    for (LateralMovement.Step s : l.steps()) {
      Map<String, Value> m = new LinkedHashMap<>();
      m.put("node", str(s.node()));
      m.put("hops", NumberValue.of(s.hops()));
      m.put("chain", strings(s.chain()));
      steps.add(obj(m));
    }
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("steps", ArrayValue.of(steps));
    m.put("unfollowed", strings(l.unfollowed()));
    m.put("notes", strings(l.notes()));
    return obj(m);
  }

  private static String list(List<String> items) {
    return items.isEmpty() ? "(none)" : Texts.clean(String.join(",", items));
  }

  private static void line(StringBuilder sb, String s) {
    sb.append(s).append(System.lineSeparator());
  }
}
