package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The answer of {@link SecurityInvariants}: each invariant checked, with its status and the
 * evidence for it. Immutable.
 */
public final class InvariantReport {

  /** What the check found of one invariant. */
  public enum Status {
    /** In scope, and nothing breaks it. */
    PASS,
    /** Something in the configuration or the log breaks it. */
    FAIL,
    /** Nothing in the configuration or the window is of the kind it is about. */
    NOT_APPLICABLE;

    /** As the report prints it: {@code PASS}, {@code FAIL}, {@code NOT APPLICABLE}. */
    public String label() {
      return name().replace('_', ' ');
    }
  }

  /** Where a finding's evidence comes from. */
  public enum Source {
    /** Places in a configuration file, as {@code file:line: key}. */
    CONFIG,
    /** Decision ids of the log, for {@code vigil logs --explain ID}. */
    LOG,
    /** Stored state other than the log, such as a CA's id. */
    STORE;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One thing found, with how often and up to the settings' {@code evidence} places or ids.
   *
   * @param what in words, such as {@code let through without a second factor}
   * @param count how many decisions or places showed it
   * @param evidence the first places or decision ids, at most {@code evidence} of them
   */
  public record Finding(Source source, String what, long count, List<String> evidence) {
    public Finding {
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * One invariant checked.
   *
   * @param name such as {@code service-mtls}
   * @param rule the invariant in words
   * @param scope what was read: the routes, listeners and decisions of its kind
   * @param violations what breaks it; empty unless the status is FAIL
   * @param notes what holds it up or cannot be seen, which does not fail it
   */
  public record Result(
      String name,
      String rule,
      Status status,
      String scope,
      List<Finding> violations,
      List<Finding> notes) {
    public Result {
      violations = List.copyOf(violations);
      notes = List.copyOf(notes);
    }
  }

  private final Window window;
  private final long decisions;
  private final List<Result> results;

  InvariantReport(Window window, long decisions, List<Result> results) {
    this.window = window;
    this.decisions = decisions;
    this.results = List.copyOf(results);
  }

  public Window window() {
    return window;
  }

  /** Decisions of the window read. */
  public long decisions() {
    return decisions;
  }

  public List<Result> results() {
    return results;
  }

  /** Returns the result of {@code name}, or null when it was not checked. */
  public Result result(String name) {
    return results.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  /** Whether some invariant failed. */
  public boolean failed() {
    return results.stream().anyMatch(r -> r.status() == Status.FAIL);
  }

  /** The report for people: each invariant, its status, then its evidence. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    String nl = System.lineSeparator();
    sb.append("security invariants, decisions from ")
        .append(window.since())
        .append(" to ")
        .append(window.until())
        .append(": ")
        .append(decisions)
        .append(" read")
        .append(nl);
    for (Result r : results) {
      sb.append(nl)
          .append(String.format("%-14s %s: %s", r.status().label(), r.name(), r.rule()))
          .append(nl)
          .append("  checked: ")
          .append(r.scope())
          .append(nl);
      findings(sb, "", r.violations());
      findings(sb, "note: ", r.notes());
    }
    return sb.toString();
  }

  private static void findings(StringBuilder sb, String prefix, List<Finding> fs) {
    String nl = System.lineSeparator();
    for (Finding f : fs) {
      sb.append(String.format("  %s%s (%d)", prefix, Texts.clean(f.what()), f.count())).append(nl);
      for (String e : f.evidence()) {
        sb.append("      ").append(Texts.clean(e)).append(nl);
      }
      if (f.count() > f.evidence().size() && f.source() != Source.STORE) {
        sb.append("      ... ").append(f.count() - f.evidence().size()).append(" more").append(nl);
      }
    }
  }

  /** The report as one JSON object; its field names are kept. */
  public String json() {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("decisions"), NumberValue.of(decisions));
    doc.put(s("failed"), BooleanValue.of(failed()));
    List<Value> rs = new ArrayList<>();
    for (Result r : results) {
      Map<Value, Value> m = new LinkedHashMap<>();
      m.put(s("name"), s(r.name()));
      m.put(s("rule"), s(r.rule()));
      m.put(s("status"), s(r.status().name().toLowerCase(Locale.ROOT)));
      m.put(s("scope"), s(r.scope()));
      m.put(s("violations"), findings(r.violations()));
      m.put(s("notes"), findings(r.notes()));
      rs.add(ObjectValue.of(m));
    }
    doc.put(s("invariants"), ArrayValue.of(rs));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static Value findings(List<Finding> fs) {
    List<Value> out = new ArrayList<>();
    for (Finding f : fs) {
      out.add(
          ObjectValue.of(
              s("source"), s(f.source().label()),
              s("what"), s(f.what()),
              s("count"), NumberValue.of(f.count()),
              s("evidence"), ArrayValue.of(f.evidence().stream().map(e -> (Value) s(e)).toList())));
    }
    return ArrayValue.of(out);
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }
}
