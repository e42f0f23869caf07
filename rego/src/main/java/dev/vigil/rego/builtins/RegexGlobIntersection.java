package dev.vigil.rego.builtins;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides whether two glob-like regular expressions can match a common non-empty string, as the Go
 * library {@code glob-intersection} that OPA's {@code regex.globs_match} uses.
 *
 * <p>A pattern is a sequence of tokens: a character, {@code .} (any character) or a set {@code
 * [...]} (characters and ranges {@code a-z}), each optionally followed by {@code *} or {@code +};
 * {@code \} escapes the next character. The decision walks both token lists side by side, letting a
 * starred or plussed token absorb tokens of the other pattern, exactly as the library does
 * (including its approximations). A step budget keeps hostile patterns from running long, and the
 * work is charged to the query's time budget as it goes: a unit per character a set holds (a range
 * of up to 65,536 is a set of as many), per step, and per character looked up when two sets are
 * matched, the smaller in the larger.
 */
final class RegexGlobIntersection {

  private static final int MAX_STEPS = 1_000_000;

  private enum Flag {
    NONE,
    PLUS,
    STAR
  }

  /** A token: a character (chars holds one), any character (chars null), or a set. */
  private static final class Token {
    final Set<Integer> chars;
    final boolean any;
    Flag flag = Flag.NONE;

    Token(Set<Integer> chars, boolean any) {
      this.chars = chars;
      this.any = any;
    }

    boolean sameContent(Token o) {
      return any == o.any && (any || chars.equals(o.chars));
    }
  }

  private final BuiltinContext ctx;
  private int steps;
  private int depth;

  private static final int MAX_DEPTH = 2_000;

  private RegexGlobIntersection(BuiltinContext ctx) {
    this.ctx = ctx;
  }

  static boolean nonEmpty(BuiltinContext ctx, String lhs, String rhs) {
    List<Token> g1 = simplify(tokenize(ctx, lhs));
    List<Token> g2 = simplify(tokenize(ctx, rhs));
    RegexGlobIntersection x = new RegexGlobIntersection(ctx);
    int[] trimmed = x.trim(g1, g2);
    if (trimmed == null) {
      return false;
    }
    return x.normal(g1.subList(trimmed[0], trimmed[1] + 1), g2.subList(trimmed[0], trimmed[2] + 1));
  }

  private static BuiltinException invalid(String input, int pos, String message) {
    return BuiltinException.error(
        "input:" + input + ", pos:" + pos + ", " + message + ": the input provided is invalid");
  }

  private static List<Token> tokenize(BuiltinContext ctx, String input) {
    int[] runes = input.codePoints().toArray();
    List<Token> tokens = new ArrayList<>();
    int i = 0;
    while (i < runes.length) {
      int[] next = nextRune(input, runes, i);
      i = next[0];
      int r = next[1];
      boolean escaped = next[2] == 1;
      Token t;
      if (!escaped && r == '.') {
        t = new Token(null, true);
      } else if (!escaped && r == ']') {
        throw invalid(input, i, "set-close ']' with no preceding '['");
      } else if (!escaped && r == '[') {
        Set<Integer> set = new HashSet<>();
        i = readSet(input, runes, i, set);
        ctx.charge(set.size());
        t = new Token(set, false);
      } else if (!escaped && (r == '*' || r == '+')) {
        throw invalid(
            input,
            i,
            "flag '" + new String(Character.toChars(r)) + "' must be preceded by a non-flag");
      } else {
        t = new Token(Set.of(r), false);
      }
      if (i < runes.length && (runes[i] == '*' || runes[i] == '+')) {
        t.flag = runes[i] == '*' ? Flag.STAR : Flag.PLUS;
        i++;
      }
      tokens.add(t);
    }
    return tokens;
  }

  /** Returns {next index, rune, escaped ? 1 : 0}. */
  private static int[] nextRune(String input, int[] runes, int i) {
    if (runes[i] == '\\') {
      if (i == runes.length - 1) {
        throw invalid(input, i, "input ends with a \\ (escape) character");
      }
      return new int[] {i + 2, runes[i + 1], 1};
    }
    return new int[] {i + 1, runes[i], 0};
  }

  private static int readSet(String input, int[] runes, int i, Set<Integer> out) {
    int prev = 0;
    boolean prevExists = false;
    while (i < runes.length) {
      int[] next = nextRune(input, runes, i);
      i = next[0];
      int r = next[1];
      if (next[2] == 1) {
        out.add(r);
        prev = r;
        prevExists = true;
        continue;
      }
      if (r == ']') {
        return i;
      }
      if (r == '-') {
        if (!prevExists) {
          throw invalid(input, i, "range character '-' must be preceded by a Unicode character");
        }
        if (i >= runes.length - 1) {
          throw invalid(input, i, "range character '-' must be followed by a Unicode character");
        }
        next = nextRune(input, runes, i);
        i = next[0];
        int hi = next[1];
        if (next[2] == 0 && (hi == ']' || hi == '-')) {
          throw invalid(input, i, "range character '-' cannot be followed by a special symbol");
        }
        if (hi < prev) {
          throw invalid(
              input,
              i,
              "range is out of order: '"
                  + new String(Character.toChars(hi))
                  + "' comes before '"
                  + new String(Character.toChars(prev))
                  + "' in Unicode");
        }
        if (hi - prev > 0x10000) {
          throw invalid(input, i, "range is wider than 65536 characters");
        }
        for (int x = prev; x <= hi; x++) {
          out.add(x);
        }
        prevExists = false;
        continue;
      }
      out.add(r);
      prev = r;
      prevExists = true;
    }
    throw invalid(input, i, "found [ without matching ]");
  }

  /** Merges neighbouring flagged tokens of the same content: t*t* is t*, t+t* and t*t+ are t+. */
  private static List<Token> simplify(List<Token> tokens) {
    List<Token> out = new ArrayList<>();
    for (Token t : tokens) {
      Token last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && t.flag != Flag.NONE && last.flag != Flag.NONE && t.sameContent(last)) {
        last.flag = t.flag == Flag.PLUS || last.flag == Flag.PLUS ? Flag.PLUS : Flag.STAR;
        continue;
      }
      out.add(t);
    }
    return out;
  }

  private boolean match(Token a, Token b) {
    if (a.any || b.any) {
      return true;
    }
    Set<Integer> small = a.chars.size() <= b.chars.size() ? a.chars : b.chars;
    Set<Integer> large = small == a.chars ? b.chars : a.chars;
    ctx.charge(small.size());
    for (Integer c : small) {
      if (large.contains(c)) {
        return true;
      }
    }
    return false;
  }

  /** Trims matching unflagged prefixes and suffixes: returns {l, r1, r2}, or null on mismatch. */
  private int[] trim(List<Token> g1, List<Token> g2) {
    int l = 0;
    while (l < g1.size()
        && l < g2.size()
        && g1.get(l).flag == Flag.NONE
        && g2.get(l).flag == Flag.NONE) {
      if (!match(g1.get(l), g2.get(l))) {
        return null;
      }
      l++;
    }
    if (l > 0) {
      l--;
    }
    int r1 = g1.size() - 1;
    int r2 = g2.size() - 1;
    while (r1 >= 0
        && r1 >= l
        && r2 >= 0
        && r2 >= l
        && g1.get(r1).flag == Flag.NONE
        && g2.get(r2).flag == Flag.NONE) {
      if (!match(g1.get(r1), g2.get(r2))) {
        return null;
      }
      r1--;
      r2--;
    }
    if (r1 < g1.size() - 1) {
      r1++;
      r2++;
    }
    if (l > r1 + 1 || l > r2 + 1) {
      return new int[] {l, l - 1, l - 1};
    }
    return new int[] {l, r1, r2};
  }

  private void step() {
    if ((++steps & 63) == 0) {
      ctx.charge(64);
    }
    if (steps > MAX_STEPS) {
      throw BuiltinException.limit("patterns are too complex to intersect");
    }
  }

  private boolean normal(List<Token> g1, List<Token> g2) {
    step();
    if (++depth > MAX_DEPTH) {
      throw BuiltinException.limit("patterns are too complex to intersect");
    }
    try {
      return normalLoop(g1, g2);
    } finally {
      depth--;
    }
  }

  private boolean normalLoop(List<Token> g1, List<Token> g2) {
    int i = 0;
    int j = 0;
    for (; i < g1.size() && j < g2.size(); i++, j++) {
      if (g1.get(i).flag == Flag.NONE && g2.get(j).flag == Flag.NONE) {
        if (!match(g1.get(i), g2.get(j))) {
          return false;
        }
      } else {
        return special(g1.subList(i, g1.size()), g2.subList(j, g2.size()));
      }
    }
    return i == g1.size() && j == g2.size();
  }

  private boolean special(List<Token> g1, List<Token> g2) {
    if (g1.get(0).flag != Flag.NONE) {
      return g1.get(0).flag == Flag.PLUS ? plus(g1, g2) : star(g1, g2);
    }
    return g2.get(0).flag == Flag.PLUS ? plus(g2, g1) : star(g2, g1);
  }

  private boolean plus(List<Token> plussed, List<Token> other) {
    step();
    if (!match(plussed.get(0), other.get(0))) {
      return false;
    }
    if (star(plussed, other.subList(1, other.size()))) {
      return true;
    }
    return other.get(0).flag != Flag.NONE && normal(plussed.subList(1, plussed.size()), other);
  }

  private boolean star(List<Token> starred, List<Token> other) {
    step();
    Token starToken = starred.get(0);
    Token nextToken = starred.size() > 1 ? starred.get(1) : null;
    for (int i = 0; i < other.size(); i++) {
      Token t = other.get(i);
      if (nextToken != null && match(t, nextToken)) {
        if (normal(starred.subList(1, starred.size()), other.subList(i, other.size()))) {
          return true;
        }
        if (!match(t, starToken)) {
          return false;
        }
      } else if (!match(t, starToken)) {
        return false;
      }
    }
    return nextToken == null;
  }
}
