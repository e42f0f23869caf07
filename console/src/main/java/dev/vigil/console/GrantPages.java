package dev.vigil.console;

import dev.vigil.access.Grant;
import dev.vigil.access.GrantEvent;
import dev.vigil.access.GrantException;
import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.Session;
import dev.vigil.insight.GrantActivity;
import dev.vigil.store.StoreException;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access page: requests waiting for an approver, grants active now (each with a revoke form),
 * break-glass grants no administrator has reviewed (each with a review form), and one grant's audit
 * trail. Approving and denying is the approvers' at the gateway ({@code /auth/access/}), not the
 * console's: an administrator is not an approver by being one.
 */
final class GrantPages {

  private static final Logger log = LoggerFactory.getLogger(GrantPages.class);

  private final Console.Sources sources;

  GrantPages(Console.Sources sources) {
    this.sources = sources;
  }

  void list(RoutingContext ctx) {
    page(ctx, 200, null, null);
  }

  void revoke(RoutingContext ctx) {
    act(ctx, "revoke", (g, id, by, why) -> g.revoke(id, by, why), "Grant %s was revoked.");
  }

  void review(RoutingContext ctx) {
    act(ctx, "review", (g, id, by, why) -> g.review(id, by, why), "Grant %s is reviewed.");
  }

  private interface Action {
    Grant run(Grants g, String id, String by, String reason);
  }

  private void act(RoutingContext ctx, String what, Action action, String done) {
    Grants grants = sources.grants();
    if (grants == null) {
      page(ctx, 404, null, "Just-in-time access is not configured on this node.");
      return;
    }
    Session s = ctx.get(Console.SESSION);
    Map<String, String> form = ctx.get(Console.FORM);
    String id = ctx.pathParam("id");
    try {
      Grant g = action.run(grants, id, s.userId(), form.get("reason"));
      page(ctx, 200, String.format(done, g.id()), null);
    } catch (GrantException e) {
      int status =
          switch (e.code()) {
            case "not_found" -> 404;
            case "forbidden" -> 403;
            case "conflict" -> 409;
            default -> 400;
          };
      page(ctx, status, null, e.getMessage());
    } catch (StoreException e) {
      log.error(
          "grant not changed: action={} grant_id={} by={}: {}",
          what,
          id,
          s.userId(),
          e.getMessage());
      page(ctx, 500, null, "The change could not be stored and was not made.");
    }
  }

  private void page(RoutingContext ctx, int status, String notice, String error) {
    Session s = ctx.get(Console.SESSION);
    String csrf = ctx.get(Console.CSRF);
    Grants grants = sources.grants();
    StringBuilder body = new StringBuilder();
    if (notice != null) {
      body.append("<p role=status>").append(Html.text(notice)).append("</p>");
    }
    body.append(Html.alert(error));
    if (grants == null) {
      body.append("<p>No <code>access.entitlements</code> are configured.</p>");
      Console.send(ctx, status, Html.page("Access", s.userId(), csrf, body.toString()));
      return;
    }
    Instant now = sources.clock().instant();
    body.append("<h2>Break-glass grants not reviewed</h2>")
        .append(table(grants.unreviewed(), now, g -> reviewForm(g, csrf)));
    body.append("<h2>Active grants</h2>")
        .append(table(grants.activeNow(), now, g -> revokeForm(g, csrf)));
    body.append("<h2>Requests waiting for an approver</h2>")
        .append("<p>Approvers decide them at the gateway: <code>GET /auth/access/pending</code>,")
        .append(" <code>POST /auth/access/requests/ID/approve</code> or <code>/deny</code>.</p>")
        .append(table(grants.pending(), now, g -> ""));
    Console.send(ctx, status, Html.page("Access", s.userId(), csrf, body.toString()));
  }

  void one(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    String csrf = ctx.get(Console.CSRF);
    Grants grants = sources.grants();
    Grant g = grants == null ? null : grants.get(ctx.pathParam("id")).orElse(null);
    if (g == null) {
      Console.send(ctx, 404, Html.page("Grant", s.userId(), csrf, Html.alert("No such grant.")));
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (GrantEvent e : grants.events(g.id())) {
      rows.add(
          List.of(
              Html.text(e.at().toString()),
              Html.text(e.who()),
              Html.text(e.action()),
              Html.text(e.reason())));
    }
    Instant now = sources.clock().instant();
    GrantActivity activity;
    try {
      activity = GrantActivity.of(sources.decisions().scan(), g, now);
    } catch (StoreException e) {
      log.warn("grant {}: the decision log could not be read: {}", g.id(), e.getMessage());
      Console.send(
          ctx,
          503,
          Html.page(
              "Grant " + g.id(),
              s.userId(),
              csrf,
              Html.alert("The decision log could not be read; try again.")));
      return;
    }
    List<List<String>> uses = new ArrayList<>();
    for (GrantActivity.Use u : activity.uses()) {
      uses.add(
          List.of(
              Html.text(u.at().toString()),
              Html.text(u.outcome()),
              Html.text(u.method() == null ? "TCP" : u.method()),
              Html.text((u.host() == null ? "" : u.host()) + (u.path() == null ? "" : u.path())),
              Html.text(u.route() == null ? "-" : u.route()),
              "<a href=\"/console/decisions/"
                  + Html.text(u.decisionId())
                  + "\">"
                  + Html.text(u.decisionId())
                  + "</a>"));
    }
    String body =
        table(List.of(g), now, x -> "")
            + "<h2>Audit trail</h2>"
            + Html.table(List.of("at", "who", "what", "why"), rows)
            + "<h2>Requests made with this grant</h2>"
            + (uses.isEmpty()
                ? "<p>None" + (g.startsAt() == null ? ": the grant never counted." : ".") + "</p>"
                : Html.table(List.of("at", "result", "method", "where", "route", "decision"), uses)
                    + (activity.beyond() > 0
                        ? "<p>And " + activity.beyond() + " more after these.</p>"
                        : ""));
    Console.send(ctx, 200, Html.page("Grant " + g.id(), s.userId(), csrf, body));
  }

  private interface Cell {
    String of(Grant g);
  }

  private static String table(List<Grant> grants, Instant now, Cell action) {
    if (grants.isEmpty()) {
      return "<p>None.</p>";
    }
    List<List<String>> rows = new ArrayList<>();
    for (Grant g : grants) {
      rows.add(
          List.of(
              "<a href=\"/console/access/" + Html.text(g.id()) + "\">" + Html.text(g.id()) + "</a>",
              Html.text(g.subject() + " (" + g.idp() + ")"),
              Html.text(g.entitlement()),
              Html.text(g.reason()),
              Html.text(g.stateAt(now).wireName()) + (g.breakGlass() ? " <b>break-glass</b>" : ""),
              Html.text(g.decidedBy() == null ? "-" : g.decider()),
              Html.text(g.expiresAt() == null ? "-" : g.expiresAt().toString()),
              action.of(g)));
    }
    return Html.table(
        List.of("grant", "who", "entitlement", "reason", "state", "decided by", "expires", ""),
        rows);
  }

  private static String revokeForm(Grant g, String csrf) {
    return "<form method=post action=\"/console/access/"
        + Html.text(g.id())
        + "/revoke\">"
        + Html.hidden("csrf", csrf)
        + "<input name=reason required maxlength=500 aria-label=\"why revoke "
        + Html.text(g.id())
        + "\" placeholder=reason> <button type=submit>Revoke</button></form>";
  }

  private static String reviewForm(Grant g, String csrf) {
    return "<form method=post action=\"/console/access/"
        + Html.text(g.id())
        + "/review\">"
        + Html.hidden("csrf", csrf)
        + "<input name=reason maxlength=500 aria-label=\"note on "
        + Html.text(g.id())
        + "\" placeholder=note> <button type=submit>Mark reviewed</button></form>";
  }
}
