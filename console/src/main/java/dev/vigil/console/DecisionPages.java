package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.StoreException;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The decisions pages: a filtered list, newest first, and one decision in full. */
final class DecisionPages {

  /** The time filters offered, as the form's values and their spans. */
  private static final Map<String, Duration> SINCE =
      Map.of(
          "15m", Duration.ofMinutes(15),
          "1h", Duration.ofHours(1),
          "24h", Duration.ofHours(24),
          "7d", Duration.ofDays(7));

  private static final int LIMIT = 200;

  private final Console.Sources sources;

  DecisionPages(Console.Sources sources) {
    this.sources = sources;
  }

  void list(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    String deniedParam = ctx.request().getParam("denied", "");
    boolean denied = "1".equals(deniedParam);
    String route = blankToNull(ctx.request().getParam("route"));
    String subject = blankToNull(ctx.request().getParam("subject"));
    String since = ctx.request().getParam("since", "");
    String wrong = null;
    if (!since.isEmpty() && !SINCE.containsKey(since)) {
      wrong = "since \"" + since + "\" is not one of 15m, 1h, 24h, 7d (or empty for any time)";
    } else if (!deniedParam.isEmpty() && !deniedParam.equals("0") && !denied) {
      wrong = "denied \"" + deniedParam + "\" is not 1 (denied only) or empty (all)";
    }
    if (wrong != null) {
      // A filter that is not understood would otherwise show every decision as if it applied.
      Console.send(ctx, 400, Html.page("Decisions", s.userId(), csrf(ctx), Html.alert(wrong)));
      return;
    }
    Instant from =
        SINCE.containsKey(since) ? sources.clock().instant().minus(SINCE.get(since)) : null;
    List<DecisionRecord> found;
    try {
      found =
          sources.decisions().list(new DecisionFilter(from, denied, null, subject, route, LIMIT));
    } catch (StoreException e) {
      Console.send(
          ctx, 503, Html.page("Decisions", s.userId(), csrf(ctx), Html.alert(e.getMessage())));
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (DecisionRecord r : found) {
      rows.add(
          List.of(
              Html.text(r.timestamp().toString()),
              "<a href=\"/console/decisions/"
                  + Html.text(URLEncoder.encode(r.decisionId(), StandardCharsets.UTF_8))
                  + "\">"
                  + Html.text(r.decisionId())
                  + "</a>",
              result(r),
              Html.text(r.mode() + (r.enforced() ? "" : " (not enforced)")),
              Html.text(orDash(r.route())),
              Html.text(orDash(r.subject())),
              Html.text(r.path()),
              Html.text(why(r))));
    }
    String body =
        filterForm(denied, route, subject, since)
            + "<p>"
            + found.size()
            + (found.size() == LIMIT ? "+ (the newest " + LIMIT + ")" : "")
            + " decisions</p>"
            + Html.table(
                List.of("time", "decision", "result", "mode", "route", "subject", "policy", "why"),
                rows);
    Console.send(ctx, 200, Html.page("Decisions", s.userId(), csrf(ctx), body));
  }

  private String filterForm(boolean denied, String route, String subject, String since) {
    StringBuilder routes = new StringBuilder("<option value=\"\">any</option>");
    for (Route r : sources.routes().table().get().routes()) {
      routes
          .append("<option")
          .append(r.name().equals(route) ? " selected" : "")
          .append(" value=\"")
          .append(Html.text(r.name()))
          .append("\">")
          .append(Html.text(r.name()))
          .append("</option>");
    }
    StringBuilder spans = new StringBuilder("<option value=\"\">any time</option>");
    for (String k : List.of("15m", "1h", "24h", "7d")) {
      spans
          .append("<option")
          .append(k.equals(since) ? " selected" : "")
          .append(" value=")
          .append(k)
          .append(">last ")
          .append(k)
          .append("</option>");
    }
    return "<form method=get action=/console/decisions>"
        + "<label><input type=checkbox name=denied value=1"
        + (denied ? " checked" : "")
        + "> denied only</label>"
        + "<label>Route <select name=route>"
        + routes
        + "</select></label>"
        + "<label>Subject <input name=subject value=\""
        + Html.text(subject == null ? "" : subject)
        + "\"></label>"
        + "<label>Time <select name=since>"
        + spans
        + "</select></label>"
        + "<button type=submit>Filter</button></form>";
  }

  void one(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    String id = ctx.pathParam("id");
    Optional<DecisionRecord> found;
    try {
      found = sources.decisions().get(id);
    } catch (StoreException e) {
      Console.send(
          ctx, 503, Html.page("Decision", s.userId(), csrf(ctx), Html.alert(e.getMessage())));
      return;
    }
    if (found.isEmpty()) {
      Console.send(
          ctx,
          404,
          Html.page("Decision", s.userId(), csrf(ctx), Html.alert("No decision with id " + id)));
      return;
    }
    DecisionRecord r = found.get();
    ObjectValue event = event(r);
    List<String[]> f = new ArrayList<>();
    f.add(new String[] {"decision", Html.text(r.decisionId())});
    f.add(new String[] {"time", Html.text(r.timestamp().toString())});
    f.add(new String[] {"result", result(r)});
    f.add(
        new String[] {
          "mode", Html.text(r.mode() + (r.enforced() ? ", enforced" : ", not enforced"))
        });
    f.add(new String[] {"route", Html.text(orDash(r.route()))});
    f.add(new String[] {"subject", Html.text(orDash(r.subject()))});
    f.add(new String[] {"policy", Html.text(r.path())});
    f.add(new String[] {"node", Html.text(r.node())});
    f.add(new String[] {"reason", Html.text(str(event, "reason"))});
    if (event != null && event.get("explanation") instanceof ObjectValue x) {
      f.add(new String[] {"why", Html.text(str(x, "message"))});
      f.add(new String[] {"rule", Html.text(str(x, "rule"))});
      f.add(new String[] {"where", Html.text(str(x, "location"))});
      f.add(new String[] {"failed", "<code>" + Html.text(str(x, "expression")) + "</code>"});
    }
    String json = event == null ? r.eventJson() : Json.writePretty(event);
    String body = Html.fields(f) + "<h2>Event</h2><pre>" + Html.text(json) + "</pre>";
    Console.send(ctx, 200, Html.page("Decision " + r.decisionId(), s.userId(), csrf(ctx), body));
  }

  private static String csrf(RoutingContext ctx) {
    return ctx.get(Console.CSRF);
  }

  private static String result(DecisionRecord r) {
    if (r.notEvaluated()) {
      return "<span>not evaluated</span>";
    }
    return r.allowed() ? "<span class=allow>allow</span>" : "<span class=deny>deny</span>";
  }

  private static String why(DecisionRecord r) {
    ObjectValue o = event(r);
    if (o == null) {
      return "(event unreadable)";
    }
    if (!r.allowed() && o.get("explanation") instanceof ObjectValue x) {
      return str(x, "message");
    }
    return str(o, "reason");
  }

  private static ObjectValue event(DecisionRecord r) {
    try {
      return Json.parse(r.eventJson()) instanceof ObjectValue o ? o : null;
    } catch (JsonException e) {
      return null;
    }
  }

  private static String str(ObjectValue o, String key) {
    Value v = o == null ? null : o.get(key);
    return v instanceof StringValue s ? s.value() : "";
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
