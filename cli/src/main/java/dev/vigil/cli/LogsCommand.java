package dev.vigil.cli;

import dev.vigil.httpkit.DurationText;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionFilter;
import dev.vigil.store.DecisionPruner;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionRetention;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil logs}: lists decisions from the decision log, or explains one in full. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "List logged decisions, newest first, or show one with --explain ID.")
final class LogsCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin StoreOptions store;

  @Option(names = "--denied", description = "Only decisions the policy did not allow.")
  boolean denied;

  @Option(
      names = "--since",
      paramLabel = "DURATION",
      description = "Only the last DURATION, e.g. 1h.")
  String since;

  @Option(
      names = "--path",
      description = "Only this policy path, e.g. authz/allow (or data.authz.allow).")
  String path;

  @Option(names = "--subject", description = "Only decisions about this subject.")
  String subject;

  @Option(names = "--route", description = "Only decisions of this gateway route.")
  String route;

  @Option(names = "--limit", defaultValue = "100", description = "At most N (default: 100).")
  int limit;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Option(names = "--explain", paramLabel = "ID", description = "Print one decision in full.")
  String explain;

  @Option(
      names = "--prune-before",
      paramLabel = "DURATION",
      description =
          "Delete the decisions older than DURATION, e.g. 30d, instead of listing: whole batches"
              + " whose every decision is older. At least 1h, unless --allow-recent.")
  String pruneBefore;

  @Option(
      names = "--allow-recent",
      description =
          "Let --prune-before go below 1h, the shortest retention a node takes: it then deletes"
              + " decisions that may still be looked into, or that a running node has just"
              + " written (e.g. to purge values that should never have been logged).")
  boolean allowRecent;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("text") && !format.equals("json")) {
      err.println("vigil logs: --format must be text or json, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    if (limit < 1) {
      err.println("vigil logs: --limit must be 1 or more, not " + limit);
      return Vigil.EXIT_USAGE;
    }
    if (pruneBefore != null) {
      return prune(out, err);
    }
    if (allowRecent) {
      err.println("vigil logs: --allow-recent only goes with --prune-before");
      return Vigil.EXIT_USAGE;
    }
    String slashed = null;
    if (path != null) {
      // Decisions are stored under the path with slashes; data.authz.allow names the same one.
      try {
        slashed = PolicyPath.parse(path).slashed();
      } catch (IllegalArgumentException e) {
        err.println("vigil logs: --path: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
    }
    Instant from = null;
    if (since != null) {
      from = ago("--since", since, err);
      if (from == null) {
        return Vigil.EXIT_USAGE;
      }
    }
    try (Store st = store.openExisting()) {
      DecisionReader reader = new DecisionReader(st);
      if (explain != null) {
        return explainOne(reader, out, err);
      }
      List<DecisionRecord> list =
          reader.list(new DecisionFilter(from, denied, slashed, subject, route, limit));
      for (DecisionRecord r : list) {
        out.println(format.equals("json") ? r.eventJson() : line(r));
      }
      if (format.equals("text") && list.isEmpty()) {
        err.println("vigil logs: no decisions match");
      }
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil logs: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The instant a duration option's value reaches back to from now, or null once the reason it is
   * refused has been printed. Durations stop at 100 years, so the instant is always in range.
   */
  private static Instant ago(String option, String value, PrintWriter err) {
    try {
      return Instant.now().minus(DurationText.parse(value));
    } catch (IllegalArgumentException e) {
      err.println("vigil logs: " + option + " " + e.getMessage());
      return null;
    }
  }

  /** Removes old decisions; listing options do not apply to it. */
  private int prune(PrintWriter out, PrintWriter err) {
    if (explain != null
        || denied
        || since != null
        || path != null
        || subject != null
        || route != null) {
      err.println(
          "vigil logs: --prune-before removes by age only; it takes no --explain, --denied,"
              + " --since, --path, --subject or --route");
      return Vigil.EXIT_USAGE;
    }
    Duration age;
    try {
      age = DurationText.parse(pruneBefore);
    } catch (IllegalArgumentException e) {
      err.println("vigil logs: --prune-before " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    if (!allowRecent) {
      // The floor of a node's retention, so that a slip such as 0s cannot empty a live log.
      try {
        DecisionRetention.requireMinimum(age, pruneBefore);
      } catch (IllegalArgumentException e) {
        err.println(
            "vigil logs: --prune-before "
                + e.getMessage()
                + ", as a node's retention; --allow-recent deletes newer decisions too");
        return Vigil.EXIT_USAGE;
      }
    }
    Instant cutoff = Instant.now().minus(age);
    try (Store st = store.openExisting()) {
      long removed = DecisionPruner.prune(st, cutoff);
      out.println("vigil logs: removed " + removed + " decisions logged before " + cutoff);
      return 0;
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil logs: " + e.getMessage());
      return 1;
    }
  }

  private int explainOne(DecisionReader reader, PrintWriter out, PrintWriter err) {
    Optional<DecisionRecord> r = reader.get(explain);
    if (r.isEmpty()) {
      err.println("vigil logs: no decision with id " + explain);
      return 1;
    }
    Value event;
    try {
      event = Json.parse(r.get().eventJson());
    } catch (JsonException e) {
      out.println(r.get().eventJson());
      return 0;
    }
    if (format.equals("json")) {
      out.println(Json.writePretty(event));
      return 0;
    }
    DecisionRecord d = r.get();
    out.println("decision " + d.decisionId());
    out.println("  time      " + d.timestamp());
    out.println("  path      " + printable(d.path()));
    out.println("  subject   " + (d.subject() == null ? "-" : printable(d.subject())));
    if (d.route() != null) {
      out.println("  route     " + printable(d.route()));
    }
    String request = request(event);
    if (request != null) {
      out.println("  request   " + request);
    }
    out.println(
        "  result    "
            + (d.notEvaluated() ? "not evaluated" : d.result())
            + " (mode "
            + d.mode()
            + (d.notEvaluated() ? ", let through" : d.enforced() ? ", enforced" : ", not enforced")
            + ")");
    if (event instanceof ObjectValue o) {
      field(o, "reason", "  reason    ", out);
      if (o.get("explanation") instanceof ObjectValue x) {
        field(x, "message", "  why       ", out);
      }
      List<String> reasons = DecisionPoint.reasonsOf(o.get("result"));
      if (!reasons.isEmpty()) {
        // The policy's text: no control characters onto the terminal.
        out.println("  reasons   " + printable(String.join("; ", reasons)));
      }
      out.println("  node      " + d.node());
      out.println("event:");
      out.println(Json.writePretty(o));
    }
    return 0;
  }

  /**
   * Returns what was asked, as {@code GET /path (host h, from ip)}, from the event's {@code
   * input.request} as the gateway and the sidecar build it; null when it has no method and path.
   */
  private static String request(Value event) {
    if (!(event instanceof ObjectValue o)
        || !(o.get("input") instanceof ObjectValue input)
        || !(input.get("request") instanceof ObjectValue r)
        || !(r.get("method") instanceof StringValue method)
        || !(r.get("path") instanceof StringValue path)) {
      return null;
    }
    StringBuilder sb = new StringBuilder(method.value()).append(' ').append(path.value());
    List<String> where = new ArrayList<>();
    if (r.get("host") instanceof StringValue host && !host.value().isEmpty()) {
      where.add("host " + host.value());
    }
    if (r.get("source_ip") instanceof StringValue ip && !ip.value().isEmpty()) {
      where.add("from " + ip.value());
    }
    if (!where.isEmpty()) {
      sb.append(" (").append(String.join(", ", where)).append(')');
    }
    // The text comes from the request: no control characters onto the terminal.
    return printable(sb.toString());
  }

  private static void field(ObjectValue o, String key, String label, PrintWriter out) {
    if (o.get(key) instanceof StringValue s) {
      out.println(label + printable(s.value()));
    }
  }

  /**
   * Returns logged text fit for a terminal: control characters as {@code ?}. Paths, subjects,
   * routes and reasons come from clients (any data API path, a provider's subject), and an escape
   * sequence printed raw would act on the screen of whoever reads the log.
   */
  private static String printable(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  private static String line(DecisionRecord r) {
    String why = "";
    try {
      if (Json.parse(r.eventJson()) instanceof ObjectValue o) {
        if (!r.allowed()
            && o.get("explanation") instanceof ObjectValue x
            && x.get("message") instanceof StringValue m) {
          why = m.value();
        } else if (o.get("reason") instanceof StringValue s) {
          why = s.value();
        }
      }
    } catch (JsonException e) {
      why = "(event unreadable)";
    }
    return printable(
        String.format(
            "%s %s %-5s %-7s %-24s %-24s %s",
            r.timestamp(),
            r.decisionId(),
            r.result(),
            r.mode(),
            r.path(),
            r.subject() == null ? "-" : r.subject(),
            why));
  }
}
