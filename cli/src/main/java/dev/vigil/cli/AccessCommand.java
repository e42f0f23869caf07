package dev.vigil.cli;

import dev.vigil.access.Grant;
import dev.vigil.access.GrantEvent;
import dev.vigil.access.Grants;
import dev.vigil.insight.GrantActivity;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil access}: read the just-in-time grants of a node's store, and the audit trail of one
 * (docs/access.md). Requests and their decisions are made at the gateway; revoke and review in the
 * console.
 */
@Command(
    name = "access",
    mixinStandardHelpOptions = true,
    description = "Just-in-time grants: list them, show the audit trail of one.",
    subcommands = {AccessCommand.ListGrants.class, AccessCommand.Trail.class})
final class AccessCommand implements Runnable {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List break-glass grants not reviewed, grants active now, requests pending.")
  static final class ListGrants implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin StoreOptions store;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Store st = store.openExisting();
          Grants grants = Grants.open(st, InstantSource.system(), List.of())) {
        Instant now = Instant.now();
        section(out, "break-glass, not reviewed", grants.unreviewed(), now);
        section(out, "active", grants.activeNow(), now);
        section(out, "pending", grants.pending(), now);
      }
      return 0;
    }

    private static void section(PrintWriter out, String title, List<Grant> list, Instant now) {
      out.println(title + ":");
      if (list.isEmpty()) {
        out.println("  none");
        return;
      }
      out.printf(
          "  %-24s %-16s %-20s %-8s %-12s %-24s %s%n",
          "GRANT", "SUBJECT", "ENTITLEMENT", "STATE", "DECIDED BY", "EXPIRES", "REASON");
      for (Grant g : list) {
        out.printf(
            "  %-24s %-16s %-20s %-8s %-12s %-24s %s%n",
            g.id(),
            oneLine(g.subject()),
            g.entitlement(),
            g.stateAt(now).wireName(),
            g.decidedBy() == null ? "-" : oneLine(g.decider()),
            g.expiresAt() == null ? "-" : g.expiresAt(),
            oneLine(g.reason()));
      }
    }
  }

  @Command(
      name = "trail",
      mixinStandardHelpOptions = true,
      description =
          "Show one grant, every change made to it (who, when, what, why) and the requests made"
              + " with it.")
  static final class Trail implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;
    @Mixin StoreOptions store;

    @Parameters(paramLabel = "GRANT_ID")
    String id;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (Store st = store.openExisting();
          Grants grants = Grants.open(st, InstantSource.system(), List.of())) {
        Optional<Grant> found = grants.get(id);
        if (found.isEmpty()) {
          spec.commandLine().getErr().println("vigil access trail: no grant " + oneLine(id));
          return 1;
        }
        Grant g = found.get();
        out.printf(
            "%s: %s holds %s, %s%s; asked for %d min: %s%n",
            g.id(),
            oneLine(g.subject()),
            g.entitlement(),
            g.stateAt(Instant.now()).wireName(),
            g.breakGlass()
                ? (g.unreviewed() ? " (break-glass, not reviewed)" : " (break-glass)")
                : "",
            g.duration().toMinutes(),
            oneLine(g.reason()));
        for (GrantEvent e : grants.events(g.id())) {
          out.printf(
              "  %s %-12s by %s%s%n",
              e.at(),
              e.action(),
              oneLine(e.who()),
              e.reason().isEmpty() ? "" : ": " + oneLine(e.reason()));
        }
        GrantActivity activity = GrantActivity.of(new DecisionReader(st).scan(), g, Instant.now());
        out.println(
            "requests made with it: "
                + (activity.uses().size() + activity.beyond())
                + (g.startsAt() == null ? " (it never counted)" : ""));
        for (GrantActivity.Use u : activity.uses()) {
          out.printf(
              "  %s %-5s %s %s%s  route=%s decision=%s%n",
              u.at(),
              u.outcome(),
              u.method() == null ? "TCP" : oneLine(u.method()),
              u.host() == null ? "" : oneLine(u.host()),
              u.path() == null ? "" : oneLine(u.path()),
              u.route() == null ? "-" : oneLine(u.route()),
              u.decisionId());
        }
        if (activity.beyond() > 0) {
          out.printf(
              "  … and %d more (vigil logs --subject %s)%n",
              activity.beyond(), oneLine(g.subject()));
        }
      }
      return 0;
    }
  }

  /**
   * Text people or providers chose (reasons, and subjects: an OpenID Connect provider's {@code sub}
   * is any string), on one line of a terminal: no control characters.
   */
  static String oneLine(String s) {
    return s == null ? "" : s.replaceAll("\\p{Cntrl}", "?");
  }
}
