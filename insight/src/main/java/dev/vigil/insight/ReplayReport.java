package dev.vigil.insight;

import static dev.vigil.insight.JsonFields.obj;
import static dev.vigil.insight.JsonFields.str;
import static dev.vigil.insight.JsonFields.strings;
import static dev.vigil.insight.JsonFields.time;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a replay (or a route's next step) found: how many recorded decisions would change, which,
 * and which could not be replayed and why. Its JSON form ({@link #toJson}) is documented in {@code
 * docs/insight.md} and keeps its field names; {@link #text} is for people.
 *
 * @param source the candidate bundle replayed, or {@code recorded} when the answer comes from the
 *     log alone (a monitored route's would-be denials)
 * @param revision the candidate bundle's revision, empty when none or when nothing was replayed
 * @param window the decisions read
 * @param nextStep for a route's next step, the route and its modes; null for a replay
 * @param decisions how many decisions the window held (up to its limit)
 * @param truncated true when the window held more decisions than its limit: the oldest were not
 *     read
 * @param replayed how many were decided again (or, from the log alone, looked at)
 * @param unchanged how many of those would be decided as before
 * @param allowedToDenied how many let through before (allowed, or not evaluated in observe mode)
 *     would be denied
 * @param deniedToAllowed how many denied before would be allowed
 * @param errors how many evaluations failed; each is a denial (fail closed), counted in the changes
 *     when the decision was let through before
 * @param notReplayed the decisions that could not be replayed, by reason; never counted as allowed
 * @param changes the changed decisions, grouped
 */
public record ReplayReport(
    String source,
    String revision,
    ReplayWindow window,
    NextStep nextStep,
    int decisions,
    boolean truncated,
    int replayed,
    int unchanged,
    int allowedToDenied,
    int deniedToAllowed,
    int errors,
    List<NotReplayed> notReplayed,
    List<Change> changes) {

  /** How many example decision ids a group keeps. */
  public static final int EXAMPLES = 3;

  /** How many groups of each kind of change {@link #text} shows, the largest. */
  static final int TEXT_GROUPS = 20;

  /** A change: a decision let through before and denied now. */
  public static final String ALLOWED_TO_DENIED = "allowed_to_denied";

  /** A change: a decision denied before and allowed now. */
  public static final String DENIED_TO_ALLOWED = "denied_to_allowed";

  /**
   * The route a next-step answer is about.
   *
   * @param route the route's name
   * @param mode its mode now
   * @param modeFrom where the mode was taken from ({@code --mode}, or its newest decision's time)
   * @param nextMode the mode the next step moves it to
   */
  public record NextStep(String route, String mode, String modeFrom, String nextMode) {}

  /**
   * Decisions that could not be replayed for one reason.
   *
   * @param reason {@code refused_before_policy}, {@code masked_field_read} or {@code
   *     event_unreadable}
   * @param detail what exactly: the refusal's code, the masked field and where the policy reads it
   * @param count how many
   * @param examples a few of their decision ids, newest first
   */
  public record NotReplayed(String reason, String detail, int count, List<String> examples) {}

  /**
   * Changed decisions that share a change, route, policy path, request and subject (and, for new
   * denials, why).
   *
   * @param change {@link #ALLOWED_TO_DENIED} or {@link #DENIED_TO_ALLOWED}
   * @param route the gateway route, or null for a direct query
   * @param path the policy path asked
   * @param method the request's method, or null when the input has none
   * @param requestPath the request's path, or null when the input has none
   * @param subject who asked, or null when unknown
   * @param explanation for a new denial, the candidate's (or the log's) explanation: the rule and
   *     the condition that failed; for a new allow, the explanation of the logged denial
   * @param count how many decisions
   * @param examples a few of their decision ids, newest first
   */
  public record Change(
      String change,
      String route,
      String path,
      String method,
      String requestPath,
      String subject,
      String explanation,
      int count,
      List<String> examples) {}

  /** The number of decisions that would change. */
  public int changed() {
    return allowedToDenied + deniedToAllowed;
  }

  /** The number of decisions that could not be replayed. */
  public int notReplayedCount() {
    int n = 0;
    for (NotReplayed r : notReplayed) {
      n += r.count();
    }
    return n;
  }

  /** The report as JSON, keys sorted; the shape is documented in {@code docs/insight.md}. */
  public Value toJson() {
    Map<String, Value> o = new LinkedHashMap<>();
    Map<String, Value> bundle = new LinkedHashMap<>();
    bundle.put("source", str(source));
    bundle.put("revision", str(revision));
    o.put("bundle", obj(bundle));
    Map<String, Value> w = new LinkedHashMap<>();
    w.put("since", time(window.since()));
    w.put("until", time(window.until()));
    w.put("route", str(window.route()));
    w.put("path", str(window.path()));
    w.put("limit", NumberValue.of(window.limit()));
    o.put("window", obj(w));
    if (nextStep != null) {
      Map<String, Value> n = new LinkedHashMap<>();
      n.put("route", str(nextStep.route()));
      n.put("mode", str(nextStep.mode()));
      n.put("mode_from", str(nextStep.modeFrom()));
      n.put("next_mode", str(nextStep.nextMode()));
      o.put("next_step", obj(n));
    }
    o.put("decisions", NumberValue.of(decisions));
    o.put("truncated", BooleanValue.of(truncated));
    o.put("replayed", NumberValue.of(replayed));
    o.put("unchanged", NumberValue.of(unchanged));
    o.put(ALLOWED_TO_DENIED, NumberValue.of(allowedToDenied));
    o.put(DENIED_TO_ALLOWED, NumberValue.of(deniedToAllowed));
    o.put("errors", NumberValue.of(errors));
    List<Value> nr = new ArrayList<>();
    for (NotReplayed r : notReplayed) {
      Map<String, Value> m = new LinkedHashMap<>();
      m.put("reason", str(r.reason()));
      m.put("detail", str(r.detail()));
      m.put("count", NumberValue.of(r.count()));
      m.put("examples", strings(r.examples()));
      nr.add(obj(m));
    }
    Map<String, Value> notReplayedObj = new LinkedHashMap<>();
    notReplayedObj.put("total", NumberValue.of(notReplayedCount()));
    notReplayedObj.put("reasons", ArrayValue.of(nr));
    o.put("not_replayed", obj(notReplayedObj));
    List<Value> cs = new ArrayList<>();
    for (Change c : changes) {
      Map<String, Value> m = new LinkedHashMap<>();
      m.put("change", str(c.change()));
      m.put("route", str(c.route()));
      m.put("path", str(c.path()));
      m.put("method", str(c.method()));
      m.put("request_path", str(c.requestPath()));
      m.put("subject", str(c.subject()));
      m.put("explanation", str(c.explanation()));
      m.put("count", NumberValue.of(c.count()));
      m.put("examples", strings(c.examples()));
      cs.add(obj(m));
    }
    o.put("changes", ArrayValue.of(cs));
    return obj(o);
  }

  /** The report as lines for a terminal; text from requests and policies is made printable. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    if (nextStep != null) {
      line(
          sb,
          "route "
              + nextStep.route()
              + ": "
              + nextStep.mode()
              + " ("
              + nextStep.modeFrom()
              + "), next step "
              + nextStep.nextMode());
    }
    line(
        sb,
        (source.equals("recorded") ? "would-be denials recorded" : "replay of " + source)
            + (revision.isEmpty() ? "" : " (revision " + revision + ")")
            + ", decisions "
            + span());
    boolean recorded = source.equals("recorded");
    count(sb, "decisions read", decisions, truncated ? " (truncated)" : "");
    count(sb, recorded ? "looked at" : "replayed", replayed, "");
    count(sb, "unchanged", unchanged, "");
    count(sb, "allowed -> denied", allowedToDenied, "");
    count(sb, "denied -> allowed", deniedToAllowed, "");
    if (!recorded) {
      count(sb, "errors", errors, errors == 0 ? "" : " (each a denial)");
    }
    count(sb, "not replayed", notReplayedCount(), "");
    for (NotReplayed r : notReplayed) {
      line(
          sb,
          String.format(
              "    %5d  %s: %s  e.g. %s",
              r.count(), r.reason(), r.detail(), String.join(", ", r.examples())));
    }
    if (truncated) {
      line(
          sb,
          "  the window holds more than "
              + window.limit()
              + " decisions: the oldest were not read; narrow it with --since, --until,"
              + " --route or --path, or raise --limit");
    }
    for (String kind : List.of(ALLOWED_TO_DENIED, DENIED_TO_ALLOWED)) {
      List<Change> of = changes.stream().filter(c -> c.change().equals(kind)).toList();
      if (of.isEmpty()) {
        continue;
      }
      line(sb, "");
      line(sb, kind.equals(ALLOWED_TO_DENIED) ? "allowed -> denied:" : "denied -> allowed:");
      for (Change c : of.subList(0, Math.min(of.size(), TEXT_GROUPS))) {
        line(
            sb,
            String.format(
                "  %5d  route %s  %s  %s  subject %s",
                c.count(),
                dash(c.route()),
                c.path(),
                c.method() == null && c.requestPath() == null
                    ? "-"
                    : dash(c.method()) + " " + dash(c.requestPath()),
                dash(c.subject())));
        if (c.explanation() != null) {
          line(
              sb,
              "         " + (kind.equals(ALLOWED_TO_DENIED) ? "why: " : "was: ") + c.explanation());
        }
        line(sb, "         e.g. " + String.join(", ", c.examples()));
      }
      if (of.size() > TEXT_GROUPS) {
        line(sb, "  and " + (of.size() - TEXT_GROUPS) + " smaller groups; --format json lists all");
      }
    }
    return sb.toString();
  }

  private static void count(StringBuilder sb, String label, int n, String note) {
    line(sb, String.format("  %-18s %d%s", label, n, note));
  }

  private String span() {
    return (window.since() == null ? "from the first" : "from " + seconds(window.since()))
        + (window.until() == null ? " to now" : " to " + seconds(window.until()))
        + (window.route() == null ? "" : ", route " + window.route())
        + (window.path() == null ? "" : ", path " + window.path());
  }

  private static Instant seconds(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  }

  private static void line(StringBuilder sb, String s) {
    // Routes, paths, subjects and explanations come from requests and policies.
    sb.append(s.replaceAll("\\p{Cntrl}", "?")).append('\n');
  }

  private static String dash(String s) {
    return s == null ? "-" : s;
  }

  /** The report as indented JSON text. */
  public String json() {
    return Json.writePretty(toJson());
  }
}
