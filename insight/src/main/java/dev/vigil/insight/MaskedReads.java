package dev.vigil.insight;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds where a policy may read a field that the decision log masked or erased, so that a replay
 * does not evaluate a policy on {@code "**REDACTED**"} (or on nothing) where it read the real
 * value.
 *
 * <p>How: every read of the input goes through the word {@code input} in some module. Each such
 * word, outside comments, is followed as far as its path is written out plainly ({@code .name} and
 * {@code ["name"]} steps); the read may touch a masked field when that path and the field's lie one
 * under the other. A path cut short ({@code input.request.headers[h]}, an alias {@code r :=
 * input.request}, {@code input} alone) covers more, never less, so the check errs on the side of
 * not replaying.
 *
 * <p>Thread-safe.
 */
final class MaskedReads {

  /** One plainly written input path and where it is. */
  private record Read(List<String> steps, String where) {}

  private final List<Read> reads;
  private final Map<String, String> byField = new ConcurrentHashMap<>();

  /** Scans the modules, by file name, of a candidate policy. */
  MaskedReads(Map<String, String> modules) {
    List<Read> found = new ArrayList<>();
    modules.forEach((file, text) -> scan(file, text, found));
    this.reads = List.copyOf(found);
  }

  /**
   * Returns where ({@code file:line}) the policy may read the field, written as the log lists it
   * ({@code /input/request/headers/authorization}), or null when it reads nothing of it.
   */
  String readOf(String field) {
    String known = byField.get(field);
    if (known != null) {
      return known.isEmpty() ? null : known;
    }
    List<String> steps = steps(field);
    String where = "";
    for (Read r : reads) {
      if (under(r.steps(), steps) || under(steps, r.steps())) {
        where = r.where();
        break;
      }
    }
    byField.put(field, where);
    return where.isEmpty() ? null : where;
  }

  /** The steps below the input of a field the log names, as {@code /input/a/b} or {@code a.b}. */
  private static List<String> steps(String field) {
    String f = field.startsWith("/") ? field.substring(1) : field;
    List<String> out = new ArrayList<>(List.of(f.split(field.startsWith("/") ? "/" : "\\.")));
    if (!out.isEmpty() && out.get(0).equals("input")) {
      out.remove(0);
    }
    return out;
  }

  private static boolean under(List<String> path, List<String> prefix) {
    return path.size() >= prefix.size() && path.subList(0, prefix.size()).equals(prefix);
  }

  private static void scan(String file, String text, List<Read> out) {
    int line = 1;
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '\n') {
        line++;
        i++;
      } else if (c == '#') {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"') {
        // A string: its text reads nothing, and a # in it starts no comment.
        i++;
        while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
          i += text.charAt(i) == '\\' ? 2 : 1;
        }
        if (i < n && text.charAt(i) == '"') {
          i++;
        }
      } else if (c == '`') {
        // A raw string: no escapes, may span lines.
        i++;
        while (i < n && text.charAt(i) != '`') {
          line += text.charAt(i) == '\n' ? 1 : 0;
          i++;
        }
        i++;
      } else if (text.startsWith("input", i)
          && (i == 0 || !word(text.charAt(i - 1)))
          && (i + 5 >= n || !word(text.charAt(i + 5)))) {
        int[] end = {i + 5};
        out.add(new Read(path(text, end), file + ":" + line));
        i = end[0];
      } else if (word(c)) {
        while (i < n && word(text.charAt(i))) {
          i++;
        }
      } else {
        i++;
      }
    }
  }

  /** Reads the plain steps after {@code input}, from {@code at[0]}, moving it past them. */
  private static List<String> path(String text, int[] at) {
    List<String> steps = new ArrayList<>();
    int i = at[0];
    int n = text.length();
    while (i < n) {
      if (text.charAt(i) == '.' && i + 1 < n && start(text.charAt(i + 1))) {
        int from = i + 1;
        i = from;
        while (i < n && word(text.charAt(i))) {
          i++;
        }
        steps.add(text.substring(from, i));
      } else if (text.startsWith("[\"", i)) {
        int close = text.indexOf('"', i + 2);
        if (close < 0
            || close + 1 >= n
            || text.charAt(close + 1) != ']'
            || text.substring(i + 2, close).indexOf('\\') >= 0
            || text.substring(i + 2, close).indexOf('\n') >= 0) {
          break;
        }
        steps.add(text.substring(i + 2, close));
        i = close + 2;
      } else {
        break;
      }
    }
    at[0] = i;
    return steps;
  }

  private static boolean start(char c) {
    return Character.isLetter(c) || c == '_';
  }

  private static boolean word(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
