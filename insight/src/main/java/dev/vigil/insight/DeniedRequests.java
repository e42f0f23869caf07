package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.DecisionRecord;
import dev.vigil.store.DecisionScan;
import dev.vigil.store.Store;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The denials of a window, grouped four ways: by route, by subject, by the condition that failed
 * (the rule and its place in the policy, from the decision's explanation) and by reason (the
 * policy's own reasons, else the logged reason, such as {@code refused: ...} for a refusal before
 * policy). Both the denials a route enforced and those a route in monitor mode would have made
 * count; the requests an observe-mode route let through unevaluated do not, since no policy was
 * asked ({@link DecisionRecord#denied}).
 *
 * <p>The window before, of the same length, is read as well: a subject or route whose denials rose
 * by at least {@value #JUMP_MIN} and at least doubled is flagged as a jump (a new denial source
 * counts when it reaches {@value #JUMP_MIN}), as an attack, a broken client or a policy change that
 * now refuses what it let through looks.
 *
 * <p>Memory is bounded: each grouping keeps at most {@value #MAX_KEYS} keys and counts the rest
 * under {@link #OTHER}; each group keeps {@value #EXAMPLES} example decision ids. Built by one
 * thread ({@link Builder}); immutable once built.
 */
public final class DeniedRequests {

  /** Distinct keys kept in each grouping. */
  public static final int MAX_KEYS = 10_000;

  /** Example decision ids kept for each group. */
  public static final int EXAMPLES = 3;

  /** The least rise in denials flagged as a jump. */
  public static final int JUMP_MIN = 5;

  /** The key that counts whatever the cap left out. */
  public static final String OTHER = "(other)";

  /** The denials with one key, and the ids of up to {@value #EXAMPLES} of them. */
  public record Group(String key, long count, List<String> examples) {}

  /**
   * A subject or route whose denials jumped.
   *
   * @param kind {@code route} or {@code subject}
   */
  public record Jump(String kind, String key, long previous, long current) {}

  private final Window window;
  private final int top;
  private final long denials;
  private final long enforced;
  private final long previousDenials;
  private final long decisions;
  private final List<Group> byRoute;
  private final List<Group> bySubject;
  private final List<Group> byCondition;
  private final List<Group> byReason;
  private final List<Jump> jumps;

  private DeniedRequests(Builder b) {
    this.window = b.window;
    this.top = b.top;
    this.denials = b.denials;
    this.enforced = b.enforced;
    this.previousDenials = b.previousDenials;
    this.decisions = b.decisions;
    this.byRoute = b.route.top(top);
    this.bySubject = b.subject.top(top);
    this.byCondition = b.condition.top(top);
    this.byReason = b.reason.top(top);
    List<Jump> js = new ArrayList<>();
    b.route.jumps("route", js);
    b.subject.jumps("subject", js);
    js.sort(
        Comparator.comparingLong((Jump j) -> j.current() - j.previous())
            .reversed()
            .thenComparing(Jump::kind)
            .thenComparing(Jump::key));
    this.jumps = List.copyOf(js);
  }

  /**
   * Reads the denials of {@code window} and of the window before it from the decision log.
   *
   * @param route only decisions of this route, or null for all
   * @param top how many groups of each grouping to keep, most denials first
   * @throws dev.vigil.store.StoreException when the log cannot be read
   */
  public static DeniedRequests analyse(Store store, Window window, String route, int top) {
    Builder b = builder(window, top);
    new DecisionScan(store).forEach(window.previous().since(), window.until(), route, b::add);
    return b.build();
  }

  /**
   * Starts an analysis of {@code window}; decisions of the window before count for the jumps.
   *
   * @throws IllegalArgumentException when {@code top} is below 1
   */
  public static Builder builder(Window window, int top) {
    return new Builder(window, top);
  }

  public Window window() {
    return window;
  }

  /** Decisions of the window looked at, denied or not. */
  public long decisions() {
    return decisions;
  }

  /** Denials in the window, enforced or not. */
  public long denials() {
    return denials;
  }

  /** Denials in the window that were enforced; the rest were monitor mode's would-be denials. */
  public long enforced() {
    return enforced;
  }

  /** Denials in the window before. */
  public long previousDenials() {
    return previousDenials;
  }

  public List<Group> byRoute() {
    return byRoute;
  }

  public List<Group> bySubject() {
    return bySubject;
  }

  public List<Group> byCondition() {
    return byCondition;
  }

  public List<Group> byReason() {
    return byReason;
  }

  /** The subjects and routes whose denials jumped, largest rise first. */
  public List<Jump> jumps() {
    return jumps;
  }

  /** The analysis as text: a summary, the jumps, then the top groups of each grouping. */
  public String text() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "denied requests, %s: %d of %d decisions (%d enforced, %d would be in monitor);"
                + " %d in the window before%n",
            window, denials, decisions, enforced, denials - enforced, previousDenials));
    for (Jump j : jumps) {
      sb.append(
          String.format(
              "JUMP %s %s: %d denials, %d in the window before%n",
              j.kind(), Texts.clean(j.key()), j.current(), j.previous()));
    }
    section(sb, "by route", byRoute);
    section(sb, "by subject", bySubject);
    section(sb, "by failed condition", byCondition);
    section(sb, "by reason", byReason);
    return sb.toString();
  }

  private static void section(StringBuilder sb, String title, List<Group> groups) {
    sb.append(title).append(':').append(System.lineSeparator());
    if (groups.isEmpty()) {
      sb.append("  (none)").append(System.lineSeparator());
    }
    for (Group g : groups) {
      sb.append(
          String.format(
              "  %6d  %s  e.g. %s%n",
              g.count(), Texts.clean(g.key()), String.join(", ", g.examples())));
    }
  }

  /** The analysis as a JSON document. */
  public String json() {
    Map<Value, Value> doc = new LinkedHashMap<>();
    doc.put(s("since"), s(window.since().toString()));
    doc.put(s("until"), s(window.until().toString()));
    doc.put(s("decisions"), NumberValue.of(decisions));
    doc.put(s("denials"), NumberValue.of(denials));
    doc.put(s("enforced"), NumberValue.of(enforced));
    doc.put(s("would_deny_in_monitor"), NumberValue.of(denials - enforced));
    doc.put(s("previous_denials"), NumberValue.of(previousDenials));
    List<Value> js = new ArrayList<>();
    for (Jump j : jumps) {
      js.add(
          ObjectValue.of(
              s("kind"), s(j.kind()),
              s("key"), s(j.key()),
              s("previous"), NumberValue.of(j.previous()),
              s("current"), NumberValue.of(j.current())));
    }
    doc.put(s("jumps"), ArrayValue.of(js));
    doc.put(s("by_route"), groups(byRoute));
    doc.put(s("by_subject"), groups(bySubject));
    doc.put(s("by_condition"), groups(byCondition));
    doc.put(s("by_reason"), groups(byReason));
    return Json.writePretty(ObjectValue.of(doc));
  }

  private static ArrayValue groups(List<Group> gs) {
    List<Value> out = new ArrayList<>();
    for (Group g : gs) {
      out.add(
          ObjectValue.of(
              s("key"), s(g.key()),
              s("count"), NumberValue.of(g.count()),
              s("examples"), ArrayValue.of(g.examples().stream().map(x -> (Value) s(x)).toList())));
    }
    return ArrayValue.of(out);
  }

  private static StringValue s(String v) {
    return StringValue.of(v);
  }

  /** Adds decisions, one at a time; not thread-safe. */
  public static final class Builder {
    private final Window window;
    private final Window previous;
    private final int top;
    private final Counts route = new Counts();
    private final Counts subject = new Counts();
    private final Counts condition = new Counts();
    private final Counts reason = new Counts();
    private long denials;
    private long enforced;
    private long previousDenials;
    private long decisions;

    private Builder(Window window, int top) {
      if (top < 1) {
        throw new IllegalArgumentException("top must be 1 or more, not " + top);
      }
      this.window = window;
      this.previous = window.previous();
      this.top = top;
    }

    /** Adds one decision; one in neither window is ignored. */
    public Builder add(DecisionRecord r) {
      boolean now = window.contains(r.timestamp());
      if (!now && !previous.contains(r.timestamp())) {
        return this;
      }
      if (now) {
        decisions++;
      }
      if (!r.denied()) {
        return this;
      }
      DecisionFacts f = DecisionFacts.of(r);
      String routeKey = r.route() != null ? r.route() : "path " + r.path();
      String who = f.callerId() != null ? f.callerId() : DecisionFacts.ANONYMOUS;
      if (!now) {
        previousDenials++;
        route.before(Texts.clean(routeKey));
        subject.before(Texts.clean(who));
        return this;
      }
      denials++;
      if (r.enforced()) {
        enforced++;
      }
      String id = r.decisionId();
      route.add(Texts.clean(routeKey), id);
      subject.add(Texts.clean(who), id);
      String failed = f.condition();
      condition.add(failed == null ? "(not explained)" : Texts.clean(failed), id);
      reason.add(f.reason() == null ? "(no reason logged)" : Texts.clean(f.reason()), id);
      return this;
    }

    public DeniedRequests build() {
      return new DeniedRequests(this);
    }
  }

  /** One grouping's counts in the window and in the window before. */
  private static final class Counts {
    private final Map<String, Count> counts = new HashMap<>();

    void add(String key, String decisionId) {
      Count c = counts.get(key);
      if (c == null) {
        c = counts.computeIfAbsent(counts.size() < MAX_KEYS ? key : OTHER, k -> new Count());
      }
      c.now++;
      if (c.examples.size() < EXAMPLES) {
        c.examples.add(decisionId);
      }
    }

    void before(String key) {
      Count c = counts.get(key);
      if (c == null) {
        c = counts.computeIfAbsent(counts.size() < MAX_KEYS ? key : OTHER, k -> new Count());
      }
      c.before++;
    }

    List<Group> top(int n) {
      return counts.entrySet().stream()
          .filter(e -> e.getValue().now > 0)
          .sorted(
              Comparator.comparingLong((Map.Entry<String, Count> e) -> e.getValue().now)
                  .reversed()
                  .thenComparing(Map.Entry::getKey))
          .limit(n)
          .map(e -> new Group(e.getKey(), e.getValue().now, List.copyOf(e.getValue().examples)))
          .toList();
    }

    void jumps(String kind, List<Jump> out) {
      counts.forEach(
          (k, c) -> {
            if (!k.equals(OTHER) && c.now - c.before >= JUMP_MIN && c.now >= 2 * c.before) {
              out.add(new Jump(kind, k, c.before, c.now));
            }
          });
    }
  }

  private static final class Count {
    long now;
    long before;
    final List<String> examples = new ArrayList<>(EXAMPLES);
  }
}
