package dev.vigil.console;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.Session;
import dev.vigil.identity.CaAuthority;
import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.TrustDomainCa;
import dev.vigil.identity.X509Svid;
import dev.vigil.pdp.Mode;
import dev.vigil.store.RouteModeOverride;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The routes, trust domains and health pages. */
final class OperationsPages {

  private static final Logger log = LoggerFactory.getLogger(OperationsPages.class);

  private final Console.Sources sources;

  OperationsPages(Console.Sources sources) {
    this.sources = sources;
  }

  void routes(RoutingContext ctx) {
    routesPage(ctx, 200, null, null);
  }

  private void routesPage(RoutingContext ctx, int status, String notice, String error) {
    Session s = ctx.get(Console.SESSION);
    String csrf = ctx.get(Console.CSRF);
    RouteModes modes = sources.routes();
    List<List<String>> rows = new ArrayList<>();
    List<String> heldBack = new ArrayList<>();
    for (Route r : modes.table().get().routes()) {
      Optional<RouteModeOverride> set = modes.override(r.name());
      Optional<RouteModes.Withheld> held = modes.withheld(r.name());
      held.ifPresent(w -> heldBack.add(w.route()));
      // A mode held back is in the store, and can be reset here like one applied.
      boolean resettable = set.isPresent() || held.isPresent();
      rows.add(
          List.of(
              Html.text(r.name()),
              Html.text(r.host()),
              Html.text(r.pathPrefix()),
              Html.text(r.upstream().toString()),
              Html.text(r.policyPath()),
              "<b>"
                  + Html.text(r.mode().label())
                  + "</b>"
                  + set.map(o -> setBy(o, modes)).orElse("")
                  + held.map(w -> heldBack(w, r.mode())).orElse(""),
              modeForm(r, csrf) + (resettable ? resetForm(r.name(), csrf, "Reset") : "")));
    }
    String body =
        (notice == null ? "" : "<p role=status>" + Html.text(notice) + "</p>")
            + Html.alert(error)
            + (heldBack.isEmpty()
                ? ""
                : Html.alert(
                    "This node holds back a mode set in the console for "
                        + String.join(", ", heldBack)
                        + ": its policy does not define the route's path. See the mode column."))
            + "<p>A mode set here applies at once and is kept in the store: it outlasts restarts"
            + " and reloads of the configuration file until it is reset here, which returns the"
            + " route to the <code>mode</code> of the file.</p>"
            + Html.table(
                List.of("route", "host", "prefix", "upstream", "policy", "mode", "change"), rows)
            + unused(modes.unused(), csrf);
    Console.send(ctx, status, Html.page("Routes", s.userId(), csrf, body));
  }

  private static String setBy(RouteModeOverride o, RouteModes modes) {
    Mode configured = modes.configuredMode(o.route());
    return " (set in the console by "
        + Html.text(o.changedBy())
        + " at "
        + Html.text(o.changedAt().toString())
        + "; configured: "
        + Html.text(configured == null ? "-" : configured.label())
        + ")";
  }

  /**
   * Says that this node holds back a mode set in the console for the route, what it is, where it
   * was set, why, and what the route runs in meanwhile: the service log says it once, and without
   * this the page showed the route as if nothing were waiting.
   */
  private static String heldBack(RouteModes.Withheld w, Mode runs) {
    String where =
        switch (w.origin()) {
          case "another-node" -> "set on another node";
          case "store-at-start" -> "read from the store when this node started";
          default -> "set in the console";
        };
    return "<p role=alert><b>Held back on this node:</b> "
        + Html.text(w.wanted())
        + " ("
        + where
        + ") is not applied here: "
        + Html.text(w.why())
        + ". The route stays in "
        + Html.text(runs.label())
        + " mode on this node until its policy defines the path, or the mode is set or reset"
        + " here.</p>";
  }

  /** Lists the modes set for routes that are no longer configured, so they can be removed. */
  private static String unused(List<RouteModeOverride> unused, String csrf) {
    if (unused.isEmpty()) {
      return "";
    }
    List<List<String>> rows = new ArrayList<>();
    for (RouteModeOverride o : unused) {
      rows.add(
          List.of(
              Html.text(o.route()),
              Html.text(o.mode()),
              Html.text(o.changedBy()),
              Html.text(o.changedAt().toString()),
              resetForm(o.route(), csrf, "Remove")));
    }
    return "<h2>Modes set for routes not configured</h2><p>They have no effect; a route of that"
        + " name added to the file again would take the mode set here.</p>"
        + Html.table(List.of("route", "mode", "set by", "at", "remove"), rows);
  }

  private static String action(String route, String what) {
    return "/console/routes/" + Html.text(URLEncoder.encode(route, StandardCharsets.UTF_8)) + what;
  }

  private static String modeForm(Route r, String csrf) {
    StringBuilder options = new StringBuilder();
    for (Mode m : Mode.values()) {
      options
          .append("<option")
          .append(m == r.mode() ? " selected" : "")
          .append(" value=")
          .append(m.label())
          .append(">")
          .append(m.label())
          .append("</option>");
    }
    return "<form method=post action=\""
        + action(r.name(), "/mode")
        + "\">"
        + Html.hidden("csrf", csrf)
        + "<select name=mode aria-label=\"mode of "
        + Html.text(r.name())
        + "\">"
        + options
        + "</select> <button type=submit>Set</button></form>";
  }

  private static String resetForm(String route, String csrf, String label) {
    return "<form method=post action=\""
        + action(route, "/reset")
        + "\">"
        + Html.hidden("csrf", csrf)
        + "<button type=submit aria-label=\""
        + Html.text(label + " the mode set for " + route)
        + "\">"
        + label
        + "</button></form>";
  }

  void changeMode(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    Map<String, String> form = ctx.get(Console.FORM);
    String name = ctx.pathParam("name");
    Mode mode;
    try {
      String given = form.get("mode");
      if (given == null) {
        throw new IllegalArgumentException("choose a mode: observe, monitor or enforce");
      }
      mode = Mode.parse(given);
    } catch (IllegalArgumentException e) {
      routesPage(ctx, 400, null, e.getMessage());
      return;
    }
    Mode before;
    try {
      before = sources.routes().change(name, mode, s.userId());
    } catch (IllegalArgumentException e) {
      routesPage(ctx, 409, null, e.getMessage());
      return;
    } catch (StoreException e) {
      log.error(
          "route mode not changed: route={} to={} by={}: {}",
          name,
          mode.label(),
          s.userId(),
          e.getMessage());
      routesPage(ctx, 500, null, "The mode could not be stored and was not changed.");
      return;
    }
    if (before == null) {
      routesPage(ctx, 404, null, "No route named " + name + ".");
      return;
    }
    routesPage(
        ctx,
        200,
        "Route " + name + " is now in " + mode.label() + " mode. It stays so until reset here.",
        null);
  }

  void resetMode(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    String name = ctx.pathParam("name");
    RouteModeOverride removed;
    try {
      removed = sources.routes().reset(name, s.userId());
    } catch (IllegalArgumentException e) {
      routesPage(ctx, 409, null, e.getMessage());
      return;
    } catch (StoreException e) {
      log.error("route mode not reset: route={} by={}: {}", name, s.userId(), e.getMessage());
      routesPage(ctx, 500, null, "The mode could not be removed from the store; nothing changed.");
      return;
    }
    if (removed == null) {
      routesPage(ctx, 404, null, "Route " + name + " has no mode set in the console.");
      return;
    }
    Mode configured = sources.routes().configuredMode(name);
    routesPage(
        ctx,
        200,
        configured == null
            ? "The mode set for " + name + " was removed."
            : "Route " + name + " is back in its configured mode, " + configured.label() + ".",
        null);
  }

  void identity(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    StringBuilder body = new StringBuilder();
    Identities ids = sources.identities().get();
    if (ids == null) {
      body.append("<p>The certificate authorities are starting; reload in a moment.</p>");
    } else {
      List<TrustDomain> domains = ids.trustDomains();
      if (domains.isEmpty()) {
        body.append("<p>No trust domain yet; list them under identity.trust_domains.</p>");
      }
      List<RegistrationEntry> entries = ids.entries();
      for (TrustDomain td : domains) {
        body.append(trustDomain(ids, td, entries));
      }
    }
    Console.send(
        ctx, 200, Html.page("Trust domains", s.userId(), ctx.get(Console.CSRF), body.toString()));
  }

  private String trustDomain(Identities ids, TrustDomain td, List<RegistrationEntry> entries) {
    Instant now = sources.clock().instant();
    StringBuilder sb = new StringBuilder("<h2>").append(Html.text(td.name())).append("</h2>");
    Optional<TrustDomainCa> ca = ids.existing(td);
    List<List<String>> roots = new ArrayList<>();
    for (CaAuthority a : ca.map(TrustDomainCa::authorities).orElse(List.of())) {
      roots.add(
          List.of(
              Html.text(a.id()),
              Html.text(a.state().name().toLowerCase()),
              Html.text(a.keyType().toString()),
              Html.text(a.notAfter().toString()),
              Html.text(left(now, a.notAfter()))));
    }
    sb.append("<h3>CA roots</h3>")
        .append(Html.table(List.of("root", "state", "key", "expires", "left"), roots));
    List<List<String>> svids = new ArrayList<>();
    GatewaySvids gateway = sources.svids().get();
    X509Svid held = gateway == null ? null : gateway.held().get(td);
    if (held != null) {
      svids.add(
          List.of(
              Html.text(held.id().toString()),
              "gateway (this node)",
              Html.text(held.serial().toString(16)),
              Html.text(held.expiry().toString()),
              Html.text(left(now, held.expiry()))));
    }
    for (RegistrationEntry e : entries) {
      if (e.spiffeId().trustDomain().equals(td)) {
        svids.add(
            List.of(
                Html.text(e.spiffeId().toString()),
                Html.text("entry " + e.id() + ": " + e.selectors()),
                "-",
                "issued by the agent on request",
                Html.text(e.ttl() == null ? "default lifetime" : "lifetime " + e.ttl())));
      }
    }
    sb.append("<h3>SVIDs</h3>")
        .append(Html.table(List.of("SPIFFE ID", "holder", "serial", "expires", "left"), svids));
    return sb.toString();
  }

  private static String left(Instant now, Instant until) {
    Duration d = Duration.between(now, until);
    if (d.isNegative()) {
      return "expired";
    }
    return d.toDays() > 0
        ? d.toDays() + "d " + d.toHoursPart() + "h"
        : d.toHours() + "h " + d.toMinutesPart() + "m";
  }

  void health(RoutingContext ctx) {
    Session s = ctx.get(Console.SESSION);
    List<String[]> pairs = new ArrayList<>();
    for (String[] p : sources.health().get()) {
      pairs.add(new String[] {p[0], Html.text(p[1])});
    }
    Console.send(
        ctx, 200, Html.page("Health", s.userId(), ctx.get(Console.CSRF), Html.fields(pairs)));
  }
}
