package dev.vigil.insight;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counts a replay's outcomes and groups its changes as decisions come. Not thread-safe. */
final class ReplayTally {

  /** Decisions that share a key: how many, and the first few ids. */
  private static final class Group {
    final String[] key;
    int count;
    final List<String> examples = new ArrayList<>();

    Group(String[] key) {
      this.key = key;
    }

    void add(String id) {
      count++;
      if (examples.size() < ReplayReport.EXAMPLES) {
        examples.add(id);
      }
    }
  }

  int decisions;
  boolean truncated;
  int replayed;
  int unchanged;
  int allowedToDenied;
  int deniedToAllowed;
  int errors;
  private final Map<List<String>, Group> notReplayed = new LinkedHashMap<>();
  private final Map<List<String>, Group> changes = new LinkedHashMap<>();

  void notReplayed(String reason, String detail, String id) {
    group(notReplayed, reason, detail).add(id);
  }

  /** Counts one changed decision; {@code explanation} says why it is denied, or was. */
  void change(String kind, RecordedDecision d, String explanation) {
    if (kind.equals(ReplayReport.ALLOWED_TO_DENIED)) {
      allowedToDenied++;
    } else {
      deniedToAllowed++;
    }
    group(
            changes,
            kind,
            d.record().route(),
            d.record().path(),
            d.method(),
            d.requestPath(),
            d.record().subject(),
            explanation)
        .add(d.record().decisionId());
  }

  private static Group group(Map<List<String>, Group> groups, String... key) {
    // Arrays.asList keeps nulls, which List.of refuses: a direct query has no route or request.
    return groups.computeIfAbsent(Arrays.asList(key), k -> new Group(key));
  }

  ReplayReport report(
      String source, String revision, ReplayWindow window, ReplayReport.NextStep nextStep) {
    List<ReplayReport.NotReplayed> nr = new ArrayList<>();
    for (Group g : sorted(notReplayed)) {
      nr.add(new ReplayReport.NotReplayed(g.key[0], g.key[1], g.count, List.copyOf(g.examples)));
    }
    List<ReplayReport.Change> cs = new ArrayList<>();
    for (Group g : sorted(changes)) {
      String[] k = g.key;
      cs.add(
          new ReplayReport.Change(
              k[0], k[1], k[2], k[3], k[4], k[5], k[6], g.count, List.copyOf(g.examples)));
    }
    return new ReplayReport(
        source,
        revision,
        window,
        nextStep,
        decisions,
        truncated,
        replayed,
        unchanged,
        allowedToDenied,
        deniedToAllowed,
        errors,
        List.copyOf(nr),
        List.copyOf(cs));
  }

  /** The groups, largest first; equal ones in the order they were first met (newest first). */
  private static List<Group> sorted(Map<List<String>, Group> groups) {
    List<Group> out = new ArrayList<>(groups.values());
    out.sort(Comparator.comparingInt((Group g) -> -g.count));
    return out;
  }
}
