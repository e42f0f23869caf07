package dev.vigil.rego.builtins.graphql;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** "Did you mean" lists, ranked by edit distance as graphql-js and gqlparser rank them. */
final class Suggestions {

  private Suggestions() {}

  /** Returns the options close to the input, nearest first, then alphabetically. */
  static List<String> list(String input, List<String> options) {
    int threshold = (int) Math.floor(input.length() * 0.4) + 1;
    String in = input.toLowerCase();
    Map<String, Integer> distances = new HashMap<>();
    List<String> out = new ArrayList<>();
    for (String option : options) {
      int d = distance(in, option.toLowerCase(), threshold);
      if (d >= 0) {
        distances.put(option, d);
        out.add(option);
      }
    }
    out.sort(
        (a, b) -> {
          int c = Integer.compare(distances.get(a), distances.get(b));
          return c != 0 ? c : a.compareTo(b);
        });
    return out;
  }

  /** Names longer than this product of lengths are not compared, to keep the work bounded. */
  private static final long MAX_CELLS = 4_000_000;

  /**
   * Damerau-Levenshtein distance, 1 for a difference of case only, -1 beyond the threshold (or when
   * the strings are too long to compare cheaply). Keeps three rows of the table.
   */
  private static int distance(String a, String b, int threshold) {
    if (a.equals(b)) {
      return 1;
    }
    if (Math.abs(a.length() - b.length()) > threshold
        || (long) (a.length() + 1) * (b.length() + 1) > MAX_CELLS) {
      return -1;
    }
    int[] prev2 = new int[b.length() + 1];
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        int v = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, prev2[j - 2] + 1);
        }
        cur[j] = v;
      }
      int[] t = prev2;
      prev2 = prev;
      prev = cur;
      cur = t;
    }
    int dist = prev[b.length()];
    return dist <= threshold ? dist : -1;
  }

  /** Joins up to five items: {@code "a"}, {@code "a" or "b"}, {@code "a", "b", or "c"}. */
  static String quotedOrList(List<String> items) {
    List<String> quoted = new ArrayList<>();
    for (String s : items.subList(0, Math.min(5, items.size()))) {
      quoted.add("\"" + s + "\"");
    }
    return orList(quoted);
  }

  static String orList(List<String> items) {
    List<String> l = items.subList(0, Math.min(5, items.size()));
    if (l.size() == 2) {
      return l.get(0) + " or " + l.get(1);
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < l.size(); i++) {
      if (i != 0) {
        b.append(i == l.size() - 1 ? ", or " : ", ");
      }
      b.append(l.get(i));
    }
    return b.toString();
  }

  /** Returns {@code " PREFIX "a" or "b"?"}, or empty when nothing is close. */
  static String quoted(String prefix, String typed, List<String> options) {
    List<String> l = list(typed, options);
    return l.isEmpty() ? "" : " " + prefix + " " + quotedOrList(l) + "?";
  }

  static String unquoted(String prefix, String typed, List<String> options) {
    List<String> l = list(typed, options);
    return l.isEmpty() ? "" : " " + prefix + " " + orList(l) + "?";
  }
}
