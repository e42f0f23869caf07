package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Builtins of the Regex family, with Go's RE2 syntax and semantics through RE2/J: matching runs in
 * time linear in the input, whatever the pattern. Compiled patterns are cached.
 */
final class RegexBuiltins {

  private static final RegexCache<Pattern> CACHE = new RegexCache<>(1000, RegexBuiltins::compile);

  private RegexBuiltins() {}

  static void register(BuiltinRegistry r) {
    List<Type> two = List.of(STRING, STRING);
    r.register(
        "regex.match",
        two,
        BOOLEAN,
        "Checks that a string contains a match of a regular expression.",
        RegexBuiltins::match);
    r.register(
        "re_match",
        two,
        BOOLEAN,
        "Deprecated (v0 only): checks that a string contains a match of a regular expression.",
        RegexBuiltins::match);
    r.register(
        "regex.is_valid",
        List.of(ANY),
        BOOLEAN,
        "Checks that a value is a string holding a valid regular expression.",
        (c, a) -> {
          if (!(a[0] instanceof StringValue s)) {
            return BooleanValue.FALSE;
          }
          try {
            CACHE.get(s.value());
            return BooleanValue.TRUE;
          } catch (BuiltinException e) {
            return BooleanValue.FALSE;
          }
        });
    r.register(
        "regex.split",
        two,
        Type.array(STRING),
        "Splits a string at each match of a regular expression.",
        (c, a) -> strings(split(c, pattern(a, 0), Operands.string(a, 1))));
    r.register(
        "regex.find_n",
        List.of(STRING, STRING, NUMBER),
        Type.array(STRING),
        "Returns up to n matches of a regular expression (all when n is negative).",
        (c, a) -> {
          Pattern p = pattern(a, 0);
          String s = Operands.string(a, 1);
          List<Value> out = new ArrayList<>();
          for (int[] m : findAll(c, p, s, NumberOperands.intOperand(a, 2))) {
            out.add(StringValue.of(s.substring(m[0], m[1])));
          }
          return ArrayValue.of(out);
        });
    r.register(
        "regex.find_all_string_submatch_n",
        List.of(STRING, STRING, NUMBER),
        Type.array(Type.array(STRING)),
        "Returns up to n matches of a regular expression with their groups (all when n < 0).",
        RegexBuiltins::findSubmatches);
    r.register(
        "regex.replace",
        List.of(STRING, STRING, STRING),
        STRING,
        "Replaces each match of a regular expression; $1 and ${name} expand groups.",
        (c, a) ->
            StringValue.of(
                replaceAll(c, Operands.string(a, 0), pattern(a, 1), Operands.string(a, 2))));
    r.register(
        "regex.template_match",
        List.of(STRING, STRING, STRING, STRING),
        BOOLEAN,
        "Matches a string against a template whose delimited parts are regular expressions.",
        RegexBuiltins::templateMatch);
    r.register(
        "regex.globs_match",
        two,
        BOOLEAN,
        "Checks that two glob-like regular expressions (. [] * +) can match a common string.",
        (c, a) ->
            BooleanValue.of(
                RegexGlobIntersection.nonEmpty(c, Operands.string(a, 0), Operands.string(a, 1))));
  }

  private static Pattern compile(String regex) {
    try {
      return Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Pattern pattern(Value[] a, int index) {
    return CACHE.get(Operands.string(a, index));
  }

  private static Value match(BuiltinContext c, Value[] a) {
    Pattern p = pattern(a, 0);
    return BooleanValue.of(p.matcher(MeteredText.of(c, Operands.string(a, 1), p.pattern())).find());
  }

  private static Value strings(List<String> xs) {
    Value[] out = new Value[xs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = StringValue.of(xs.get(i));
    }
    return ArrayValue.wrap(out);
  }

  /**
   * Returns the [start, end, group starts and ends...] of successive matches as Go's FindAll: an
   * empty match right after the previous match is skipped, and the search moves on at least one
   * code point after an empty match.
   */
  static List<int[]> findAll(BuiltinContext ctx, Pattern p, String s, int limit) {
    List<int[]> out = new ArrayList<>();
    Matcher m = p.matcher(MeteredText.of(ctx, s, p.pattern()));
    int pos = 0;
    int prevEnd = -1;
    while ((limit < 0 || out.size() < limit) && pos <= s.length() && m.find(pos)) {
      int start = m.start();
      int end = m.end();
      boolean accept = true;
      if (end == start) {
        if (start == prevEnd) {
          accept = false;
        }
        pos = start < s.length() ? start + Character.charCount(s.codePointAt(start)) : start + 1;
      } else {
        pos = end;
      }
      prevEnd = end;
      if (accept) {
        int[] groups = new int[2 * (m.groupCount() + 1)];
        for (int g = 0; g <= m.groupCount(); g++) {
          groups[2 * g] = m.start(g);
          groups[2 * g + 1] = m.end(g);
        }
        out.add(groups);
      }
    }
    return out;
  }

  /** Splits as Go's Regexp.Split(s, -1). */
  static List<String> split(BuiltinContext ctx, Pattern p, String s) {
    List<String> out = new ArrayList<>();
    if (!p.pattern().isEmpty() && s.isEmpty()) {
      out.add("");
      return out;
    }
    int beg = 0;
    int end = 0;
    for (int[] m : findAll(ctx, p, s, -1)) {
      end = m[0];
      if (m[1] != 0) {
        out.add(s.substring(beg, end));
      }
      beg = m[1];
    }
    if (end != s.length()) {
      out.add(s.substring(beg));
    }
    return out;
  }

  private static Value findSubmatches(BuiltinContext c, Value[] a) {
    Pattern p = pattern(a, 0);
    String s = Operands.string(a, 1);
    List<Value> out = new ArrayList<>();
    // Each group is copied out of the string: a pattern of many groups, each spanning the match,
    // makes the result the product of the pattern's groups and the string's length.
    long size = 1;
    for (int[] m : findAll(c, p, s, NumberOperands.intOperand(a, 2))) {
      Value[] groups = new Value[m.length / 2];
      size += 1 + groups.length;
      for (int g = 0; g < groups.length; g++) {
        size += m[2 * g] < 0 ? 0 : m[2 * g + 1] - m[2 * g];
      }
      c.checkSize("regex.find_all_string_submatch_n", size);
      for (int g = 0; g < groups.length; g++) {
        groups[g] =
            m[2 * g] < 0 ? StringValue.EMPTY : StringValue.of(s.substring(m[2 * g], m[2 * g + 1]));
      }
      out.add(ArrayValue.wrap(groups));
    }
    return ArrayValue.of(out);
  }

  /** Replaces as Go's Regexp.ReplaceAllString, expanding the template as Regexp.Expand. */
  /**
   * Replaces each match as Go's {@code Regexp.ReplaceAllString}. The result is checked against the
   * query's size limit as it grows: an empty pattern matches at every position, so the result can
   * be the product of the two lengths.
   */
  static String replaceAll(BuiltinContext ctx, String s, Pattern p, String template) {
    StringBuilder b = new StringBuilder();
    Matcher m = p.matcher(MeteredText.of(ctx, s, p.pattern()));
    int lastEnd = 0;
    int searchPos = 0;
    while (searchPos <= s.length() && m.find(searchPos)) {
      int start = m.start();
      int end = m.end();
      b.append(s, lastEnd, start);
      if (end > lastEnd || start == 0) {
        ctx.checkSize("regex.replace", 1L + b.length() + template.length());
        expand(b, template, m, s);
        ctx.checkSize("regex.replace", 1L + b.length());
      }
      lastEnd = end;
      int width = searchPos < s.length() ? Character.charCount(s.codePointAt(searchPos)) : 1;
      searchPos = searchPos + width > end ? searchPos + width : end;
    }
    b.append(s, Math.min(lastEnd, s.length()), s.length());
    return b.toString();
  }

  private static void expand(StringBuilder b, String template, Matcher m, String s) {
    int i = 0;
    while (i < template.length()) {
      char c = template.charAt(i);
      if (c != '$' || i + 1 >= template.length()) {
        b.append(c);
        i++;
        continue;
      }
      char next = template.charAt(i + 1);
      if (next == '$') {
        b.append('$');
        i += 2;
        continue;
      }
      String name;
      int after;
      if (next == '{') {
        int close = template.indexOf('}', i + 2);
        name = close < 0 ? null : template.substring(i + 2, close);
        if (name == null || name.isEmpty() || !name.matches("[A-Za-z0-9_]+")) {
          b.append('$');
          i++;
          continue;
        }
        after = close + 1;
      } else {
        int j = i + 1;
        while (j < template.length()
            && (Character.isLetterOrDigit(template.charAt(j)) || template.charAt(j) == '_')
            && template.charAt(j) < 0x80) {
          j++;
        }
        if (j == i + 1) {
          b.append('$');
          i++;
          continue;
        }
        name = template.substring(i + 1, j);
        after = j;
      }
      appendGroup(b, name, m, s);
      i = after;
    }
  }

  private static void appendGroup(StringBuilder b, String name, Matcher m, String s) {
    int group = -1;
    if (name.matches("[0-9]+")) {
      if (name.length() < 6) {
        group = Integer.parseInt(name);
      }
    } else {
      Integer named = m.pattern().namedGroups().get(name);
      group = named == null ? -1 : named;
    }
    if (group >= 0 && group <= m.groupCount() && m.start(group) >= 0) {
      b.append(s, m.start(group), m.end(group));
    }
  }

  private static Value templateMatch(BuiltinContext c, Value[] a) {
    String template = Operands.string(a, 0);
    String s = Operands.string(a, 1);
    String start = Operands.string(a, 2);
    String end = Operands.string(a, 3);
    if (start.length() != 1) {
      throw BuiltinException.error(
          "start delimiter has to be exactly one character long but is "
              + start.length()
              + " long");
    }
    if (end.length() != 1) {
      throw BuiltinException.error(
          "end delimiter has to be exactly one character long but is " + end.length() + " long");
    }
    Pattern p = compileTemplate(template, start.charAt(0), end.charAt(0));
    return BooleanValue.of(p.matcher(MeteredText.of(c, s, p.pattern())).matches());
  }

  /** Compiles a template: text outside delimiters is literal, text inside is a regex group. */
  static Pattern compileTemplate(String template, char open, char close) {
    StringBuilder regex = new StringBuilder("^");
    int level = 0;
    int partStart = 0;
    int last = 0;
    for (int i = 0; i < template.length(); i++) {
      char c = template.charAt(i);
      if (c == open) {
        if (++level == 1) {
          partStart = i;
        }
      } else if (c == close) {
        if (--level == 0) {
          regex.append(Pattern.quote(template.substring(last, partStart)));
          String inner = template.substring(partStart + 1, i);
          compile("^" + inner + "$");
          regex.append('(').append(inner).append(')');
          last = i + 1;
        } else if (level < 0) {
          throw BuiltinException.error(
              "unbalanced braces in " + StringBuiltins.goQuote(template, false));
        }
      }
    }
    if (level != 0) {
      throw BuiltinException.error(
          "unbalanced braces in " + StringBuiltins.goQuote(template, false));
    }
    regex.append(Pattern.quote(template.substring(last))).append('$');
    return compile(regex.toString());
  }
}
