package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.insight.CandidatePolicy;
import dev.vigil.insight.NextStep;
import dev.vigil.insight.ReplayReport;
import dev.vigil.insight.ReplayWindow;
import dev.vigil.pdp.Mode;
import dev.vigil.store.StoreException;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout page: for each route, what its traffic of a recent window says about moving it one
 * mode further (observe to monitor to enforce), without leaving the console.
 *
 * <p>For a route in observe mode the policy in service is asked about the window's requests, as it
 * would be once the route is monitored ({@link NextStep#observed}, nothing logged); for a route in
 * monitor mode its logged would-be denials are what enforcing it would refuse ({@link
 * NextStep#monitored}); for an enforced route the page counts its denials. It reads the log only.
 */
final class RolloutPage {

  private static final Logger log = LoggerFactory.getLogger(RolloutPage.class);

  /** The windows offered, as the form's values and their spans. */
  private static final Map<String, Duration> WINDOWS =
      Map.of("1h", Duration.ofHours(1), "24h", Duration.ofHours(24), "7d", Duration.ofDays(7));

  /** Decisions of one route a preview reads at most, so that the page answers in time. */
  static final int PREVIEW_LIMIT = 10_000;

  /** Groups of would-be denials shown per route, the largest. */
  private static final int GROUPS = 3;

  private final Console.Sources sources;

  RolloutPage(Console.Sources sources) {
    this.sources = sources;
  }

  /** What the window's log holds for one route. */
  private static final class Seen {
    long requests;
    long denied;
    Instant last;
  }

  void show(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    String csrf = ctx.get(Console.CSRF);
    String span = ctx.request().getParam("window", "24h");
    Duration length = WINDOWS.get(span);
    if (length == null) {
      Console.send(
          ctx,
          400,
          Html.page(
              "Rollout",
              s.userId(),
              csrf,
              Html.alert("window \"" + span + "\" is not one of 1h, 24h, 7d")));
      return;
    }
    Instant until = sources.clock().instant();
    Instant since = until.minus(length);
    List<Route> routes = sources.routes().table().get().routes();
    String body;
    try {
      Map<String, Seen> seen = seen(since, until);
      List<List<String>> rows = new ArrayList<>();
      for (Route r : routes) {
        rows.add(row(r, seen.getOrDefault(r.name(), new Seen()), span, since, until));
      }
      body =
          form(span)
              + "<p>A route moves one mode at a time: <b>observe</b> (traffic recorded, no policy"
              + " asked), <b>monitor</b> (the policy decides, a denial is only marked), then"
              + " <b>enforce</b>. For each route, what the last "
              + Html.text(span)
              + " of traffic says the next step would refuse. Change a mode on the"
              + " <a href=/console/routes>routes page</a>.</p>"
              + Html.table(
                  List.of("route", "mode", "requests", "denied", "next step", "it would refuse"),
                  rows);
    } catch (StoreException e) {
      log.error("rollout page: cannot read the decision log: {}", e.getMessage());
      Console.send(
          ctx,
          500,
          Html.page("Rollout", s.userId(), csrf, Html.alert("The decision log cannot be read.")));
      return;
    }
    Console.send(ctx, 200, Html.page("Rollout", s.userId(), csrf, body));
  }

  private static String form(String span) {
    StringBuilder options = new StringBuilder();
    for (String w : List.of("1h", "24h", "7d")) {
      options
          .append("<option")
          .append(w.equals(span) ? " selected" : "")
          .append(">")
          .append(w)
          .append("</option>");
    }
    return "<form method=get action=/console/rollout><label>window <select name=window>"
        + options
        + "</select></label> <button type=submit>Show</button></form>";
  }

  /** Counts each route's requests and enforced denials of the window, in one read of the log. */
  private Map<String, Seen> seen(Instant since, Instant until) {
    Map<String, Seen> out = new HashMap<>();
    sources
        .decisions()
        .scan()
        .forEach(
            since,
            until,
            null,
            r -> {
              if (r.route() == null) {
                return;
              }
              Seen s = out.computeIfAbsent(r.route(), k -> new Seen());
              s.requests++;
              if (!r.allowed() && r.enforced()) {
                s.denied++;
              }
              if (s.last == null || r.timestamp().isAfter(s.last)) {
                s.last = r.timestamp();
              }
            });
    return out;
  }

  private List<String> row(Route r, Seen seen, String span, Instant since, Instant until) {
    String denied =
        seen.denied == 0
            ? "0"
            : "<a href=\""
                + decisions(r.name(), true, span)
                + "\" class=deny>"
                + seen.denied
                + "</a>";
    List<String> cells = new ArrayList<>();
    cells.add(Html.text(r.name()));
    cells.add("<b>" + Html.text(r.mode().label()) + "</b>");
    cells.add(
        seen.requests == 0
            ? "0"
            : "<a href=\"" + decisions(r.name(), false, span) + "\">" + seen.requests + "</a>");
    cells.add(denied);
    if (r.mode() == Mode.ENFORCE) {
      cells.add("none: enforced");
      cells.add("");
      return cells;
    }
    ReplayReport preview = preview(r, since, until);
    cells.add(Html.text(advice(r, seen, preview)));
    cells.add(preview == null ? "" : refusals(preview));
    return cells;
  }

  /** The route's next step previewed on its window, or null when there is nothing to ask. */
  private ReplayReport preview(Route r, Instant since, Instant until) {
    ReplayWindow window = new ReplayWindow(since, until, r.name(), null, PREVIEW_LIMIT);
    if (r.mode() == Mode.MONITOR) {
      return NextStep.monitored(sources.decisions(), window, "the console");
    }
    if (sources.pdp() == null) {
      return null;
    }
    try (CandidatePolicy inService = CandidatePolicy.inService(sources.pdp())) {
      return NextStep.observed(sources.decisions(), window, inService, "the console");
    }
  }

  private static String advice(Route r, Seen seen, ReplayReport preview) {
    String next = NextStep.after(r.mode()).label();
    if (seen.requests == 0) {
      return "no traffic in this window: wait for some before moving to " + next;
    }
    if (preview == null) {
      return "preview with: vigil insight next-step " + r.name() + " --bundle DIR";
    }
    String read =
        preview.truncated()
            ? " (the newest " + PREVIEW_LIMIT + " requests read; narrow the window)"
            : "";
    if (preview.allowedToDenied() == 0 && preview.errors() == 0) {
      return "ready for "
          + next
          + ": "
          + (r.mode() == Mode.OBSERVE
              ? "the policy in service allows all " + preview.replayed() + " requests it was asked"
              : "no would-be denial in " + preview.replayed() + " requests")
          + (preview.notReplayedCount() > 0
              ? "; " + preview.notReplayedCount() + " could not be asked again"
              : "")
          + read;
    }
    return preview.allowedToDenied()
        + " of "
        + preview.replayed()
        + " requests would be refused in "
        + next
        + " mode: review them before the step"
        + read;
  }

  /** The largest groups of requests the next step would refuse, each with an example. */
  private static String refusals(ReplayReport preview) {
    StringBuilder sb = new StringBuilder();
    int shown = 0;
    for (ReplayReport.Change c : preview.changes()) {
      if (!c.change().equals(ReplayReport.ALLOWED_TO_DENIED) || shown == GROUPS) {
        continue;
      }
      shown++;
      sb.append("<p>")
          .append(c.count())
          .append(" × ")
          .append(Html.text(c.method() == null ? "" : c.method() + " "))
          .append(Html.text(c.requestPath() == null ? "" : c.requestPath()))
          .append(" by ")
          .append(Html.text(c.subject() == null ? "anonymous" : c.subject()))
          .append(": ")
          .append(Html.text(c.explanation()));
      if (!c.examples().isEmpty()) {
        String id = c.examples().get(0);
        sb.append(" (<a href=\"/console/decisions/")
            .append(Html.text(URLEncoder.encode(id, StandardCharsets.UTF_8)))
            .append("\">e.g.</a>)");
      }
      sb.append("</p>");
    }
    return sb.toString();
  }

  /** A link to the route's decisions of the window on the decisions page. */
  private static String decisions(String route, boolean denied, String span) {
    Map<String, String> q = new LinkedHashMap<>();
    q.put("route", route);
    q.put("since", span);
    if (denied) {
      q.put("denied", "1");
    }
    StringBuilder sb = new StringBuilder("/console/decisions?");
    q.forEach(
        (k, v) ->
            sb.append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8))
                .append('&'));
    return Html.text(sb.substring(0, sb.length() - 1));
  }
}
