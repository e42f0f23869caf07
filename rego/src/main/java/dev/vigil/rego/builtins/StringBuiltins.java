package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * Builtins of the String family. Strings are Java strings; every index and length these builtins
 * report or accept counts Unicode code points, as OPA counts runes.
 */
final class StringBuiltins {

  private static final List<Type> ONE_STRING = List.of(STRING);
  private static final List<Type> TWO_STRINGS = List.of(STRING, STRING);
  private static final Type STRINGS = Type.anyOf(STRING, Type.set(STRING), Type.array(STRING));

  private StringBuiltins() {}

  static void register(BuiltinRegistry r) {
    registerSearch(r);
    registerTransform(r);
    registerTrim(r);
    registerFormat(r);
  }

  private static void registerSearch(BuiltinRegistry r) {
    r.register(
        "contains",
        TWO_STRINGS,
        BOOLEAN,
        "Checks that a string contains a substring.",
        (c, a) ->
            BooleanValue.of(
                TextSearch.of(c, Operands.string(a, 1)).foundIn(Operands.string(a, 0))));
    predicate(r, "startswith", "Checks that a string starts with a prefix.", String::startsWith);
    predicate(r, "endswith", "Checks that a string ends with a suffix.", String::endsWith);
    r.register(
        "indexof",
        TWO_STRINGS,
        NUMBER,
        "Returns the index (in code points) of the first occurrence of a substring, or -1.",
        (c, a) -> {
          String s = Operands.string(a, 0);
          String search = nonEmptySearch(a);
          int i = TextSearch.of(c, search).indexOf(s, 0);
          return NumberValue.of(i < 0 ? -1 : s.codePointCount(0, i));
        });
    r.register(
        "indexof_n",
        TWO_STRINGS,
        Type.array(NUMBER),
        "Returns the indexes (in code points) of every occurrence of a substring, overlapping.",
        (c, a) -> {
          String s = Operands.string(a, 0);
          String search = nonEmptySearch(a);
          List<Value> out = new ArrayList<>();
          int runes = 0;
          // A comparison at every position: the work is the product of the two lengths, charged
          // every 64 positions so that a long search stops at the deadline.
          long unitsPer64 = 4L * (1 + (search.length() >> 4));
          for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            if ((runes & 63) == 63) {
              c.charge(unitsPer64);
            }
            if (s.startsWith(search, i)) {
              out.add(NumberValue.of(runes));
            }
            runes++;
          }
          return ArrayValue.of(out);
        });
    r.register(
        "strings.count",
        TWO_STRINGS,
        NUMBER,
        "Counts the non-overlapping occurrences of a substring.",
        (c, a) -> NumberValue.of(count(c, Operands.string(a, 0), Operands.string(a, 1))));
    r.register(
        "strings.any_prefix_match",
        List.of(STRINGS, STRINGS),
        BOOLEAN,
        "Checks that any of the strings starts with any of the prefixes.",
        (c, a) -> anyMatch(c, a, String::startsWith));
    r.register(
        "strings.any_suffix_match",
        List.of(STRINGS, STRINGS),
        BOOLEAN,
        "Checks that any of the strings ends with any of the suffixes.",
        (c, a) -> anyMatch(c, a, String::endsWith));
  }

  private static void registerTransform(BuiltinRegistry r) {
    r.register(
        "lower",
        ONE_STRING,
        STRING,
        "Returns a string in lower case.",
        (c, a) -> {
          return StringValue.of(mapCodePoints(Operands.string(a, 0), Character::toLowerCase));
        });
    r.register(
        "upper",
        ONE_STRING,
        STRING,
        "Returns a string in upper case.",
        (c, a) -> {
          return StringValue.of(mapCodePoints(Operands.string(a, 0), Character::toUpperCase));
        });
    r.register(
        "split",
        TWO_STRINGS,
        Type.array(STRING),
        "Splits a string at every occurrence of a delimiter.",
        (c, a) -> strings(split(c, "split", Operands.string(a, 0), Operands.string(a, 1))));
    r.register(
        "strings.split_n",
        List.of(STRING, STRING, NUMBER),
        Type.array(STRING),
        "Splits a string and keeps the first n parts, or the last -n parts when n is negative.",
        StringBuiltins::splitN);
    r.register(
        "replace",
        List.of(STRING, STRING, STRING),
        STRING,
        "Replaces every occurrence of a substring.",
        (c, a) ->
            StringValue.of(
                StringReplacer.replace(
                    c,
                    "replace",
                    Operands.string(a, 0),
                    List.of(Operands.string(a, 1)),
                    List.of(Operands.string(a, 2)))));
    r.register(
        "strings.replace_n",
        List.of(Type.object(STRING, STRING), STRING),
        STRING,
        "Replaces the keys of an object with their values, at each position the first key in"
            + " sorted order winning.",
        StringBuiltins::replaceN);
    r.register(
        "strings.reverse",
        ONE_STRING,
        STRING,
        "Reverses the code points of a string.",
        (c, a) -> StringValue.of(new StringBuilder(Operands.string(a, 0)).reverse().toString()));
    r.register(
        "substring",
        List.of(STRING, NUMBER, NUMBER),
        STRING,
        "Returns the part of a string from an offset, of a length (negative: to the end), in code"
            + " points.",
        StringBuiltins::substring);
    r.register(
        "concat",
        List.of(STRING, Type.anyOf(Type.set(STRING), Type.array(STRING))),
        STRING,
        "Joins strings with a delimiter.",
        (c, a) -> {
          String sep = Operands.string(a, 0);
          List<Value> xs = AggregateBuiltins.elements(c, a, 1);
          // The delimiter is written between every two strings: a long one joining many strings
          // makes text the product of the two, refused before it is allocated.
          long length = 0;
          for (int i = 0; i < xs.size(); i++) {
            if (!(xs.get(i) instanceof StringValue s)) {
              throw NumberOperands.elementError(1, a[1], xs.get(i), "string");
            }
            length += s.value().length() + (i > 0 ? (long) sep.length() : 0);
          }
          c.checkSize("concat", 1 + length);
          StringBuilder b = new StringBuilder((int) Math.min(length, 1 << 24));
          for (int i = 0; i < xs.size(); i++) {
            StringValue s = (StringValue) xs.get(i);
            if (i > 0) {
              b.append(sep);
            }
            b.append(s.value());
          }
          return StringValue.of(b.toString());
        });
  }

  private static void registerTrim(BuiltinRegistry r) {
    r.register(
        "trim",
        TWO_STRINGS,
        STRING,
        "Removes the leading and trailing characters that are in a cutset.",
        (c, a) -> trim(c, a, true, true));
    r.register(
        "trim_left",
        TWO_STRINGS,
        STRING,
        "Removes the leading characters that are in a cutset.",
        (c, a) -> trim(c, a, true, false));
    r.register(
        "trim_right",
        TWO_STRINGS,
        STRING,
        "Removes the trailing characters that are in a cutset.",
        (c, a) -> trim(c, a, false, true));
    r.register(
        "trim_prefix",
        TWO_STRINGS,
        STRING,
        "Removes a prefix when the string starts with it.",
        (c, a) -> {
          String s = Operands.string(a, 0);
          String p = Operands.string(a, 1);
          return s.startsWith(p) ? StringValue.of(s.substring(p.length())) : a[0];
        });
    r.register(
        "trim_suffix",
        TWO_STRINGS,
        STRING,
        "Removes a suffix when the string ends with it.",
        (c, a) -> {
          String s = Operands.string(a, 0);
          String p = Operands.string(a, 1);
          return s.endsWith(p) ? StringValue.of(s.substring(0, s.length() - p.length())) : a[0];
        });
    r.register(
        "trim_space",
        ONE_STRING,
        STRING,
        "Removes leading and trailing white space, as Unicode defines it.",
        (c, a) -> StringValue.of(trimSpace(Operands.string(a, 0))));
  }

  private static void registerFormat(BuiltinRegistry r) {
    r.register(
        "sprintf",
        List.of(STRING, Type.array(ANY)),
        STRING,
        "Formats values as Go's fmt.Sprintf does.",
        StringBuiltins::sprintf);
    r.register(
        "format_int",
        List.of(NUMBER, NUMBER),
        STRING,
        "Formats the integer part of a number in base 2, 8, 10 or 16.",
        StringBuiltins::formatInt);
    r.register(
        "strings.render_template",
        List.of(STRING, Type.object(STRING, ANY)),
        STRING,
        "Renders a Go text/template with the given variables.",
        (c, a) ->
            StringValue.of(GoTemplate.render(c, Operands.string(a, 0), Operands.object(a, 1))));
  }

  private static void predicate(
      BuiltinRegistry r, String name, String description, BiPredicate<String, String> test) {
    r.register(
        name,
        TWO_STRINGS,
        BOOLEAN,
        description,
        (c, a) -> BooleanValue.of(test.test(Operands.string(a, 0), Operands.string(a, 1))));
  }

  private static String nonEmptySearch(Value[] a) {
    String search = Operands.string(a, 1);
    if (search.isEmpty()) {
      throw BuiltinException.error("empty search character");
    }
    return search;
  }

  /** Counts non-overlapping occurrences; an empty needle matches between all code points. */
  private static int count(BuiltinContext c, String s, String sub) {
    if (sub.isEmpty()) {
      return s.codePointCount(0, s.length()) + 1;
    }
    TextSearch search = TextSearch.of(c, sub);
    int n = 0;
    for (int i = search.indexOf(s, 0); i >= 0; i = search.indexOf(s, i + sub.length())) {
      n++;
    }
    return n;
  }

  /**
   * Tests every pair of the two operands' strings: the product of their counts, charged a unit per
   * pair and one per 16 characters of the prefix or suffix tried.
   */
  private static Value anyMatch(BuiltinContext c, Value[] a, BiPredicate<String, String> test) {
    List<String> xs = stringOrStrings(a, 0);
    List<String> ys = stringOrStrings(a, 1);
    for (String x : xs) {
      for (String y : ys) {
        c.charge(1 + (y.length() >> 4));
        if (test.test(x, y)) {
          return BooleanValue.TRUE;
        }
      }
    }
    return BooleanValue.FALSE;
  }

  private static List<String> stringOrStrings(Value[] a, int index) {
    return switch (a[index]) {
      case StringValue s -> List.of(s.value());
      case ArrayValue arr -> NumberOperands.stringsOperand(a, index);
      case SetValue s -> NumberOperands.stringsOperand(a, index);
      default -> throw NumberOperands.oneOf(index, a[index], "string", "set", "array");
    };
  }

  private static String mapCodePoints(String s, java.util.function.IntUnaryOperator f) {
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints().forEach(cp -> b.appendCodePoint(f.applyAsInt(cp)));
    return b.toString();
  }

  private static Value strings(List<String> parts) {
    Value[] out = new Value[parts.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = StringValue.of(parts.get(i));
    }
    return ArrayValue.wrap(out);
  }

  /**
   * Splits as Go's strings.Split: an empty delimiter splits into code points. The search for the
   * delimiter charges {@code c}'s time budget ({@link TextSearch}), and the parts are counted
   * against its size limit as they are made, in the name of {@code builtin}: each part is a string
   * of its own, so splitting into code points makes a result twice its operand's size, and many
   * small objects before anything else could look at them.
   */
  private static List<String> split(BuiltinContext c, String builtin, String s, String delim) {
    List<String> out = new ArrayList<>();
    long size = 1;
    if (delim.isEmpty()) {
      int i = 0;
      while (i < s.length()) {
        int next = i + Character.charCount(s.codePointAt(i));
        size += 1 + next - i;
        if ((out.size() & 1023) == 1023) {
          c.checkSize(builtin, size);
        }
        out.add(s.substring(i, next));
        i = next;
      }
      return out;
    }
    TextSearch search = TextSearch.of(c, delim);
    int start = 0;
    int at;
    while ((at = search.indexOf(s, start)) >= 0) {
      size += 1 + at - start;
      if ((out.size() & 1023) == 1023) {
        c.checkSize(builtin, size);
      }
      out.add(s.substring(start, at));
      start = at + delim.length();
    }
    out.add(s.substring(start));
    return out;
  }

  private static Value splitN(BuiltinContext c, Value[] a) {
    String s = Operands.string(a, 0);
    String delim = Operands.string(a, 1);
    BigInteger big = NumberOperands.bigIntOperand(a, 2);
    int n =
        big.bitLength() > 31
            ? (big.signum() < 0 ? Integer.MIN_VALUE + 1 : Integer.MAX_VALUE)
            : big.intValue();
    List<String> parts = split(c, "strings.split_n", s, delim);
    if (delim.isEmpty() && s.isEmpty()) {
      parts = List.of("");
    }
    if (n >= 0) {
      return strings(parts.subList(0, Math.min(n, parts.size())));
    }
    return strings(parts.subList(Math.max(0, parts.size() + n), parts.size()));
  }

  private static Value replaceN(BuiltinContext c, Value[] a) {
    ObjectValue patterns = Operands.object(a, 0);
    List<String> olds = new ArrayList<>();
    List<String> news = new ArrayList<>();
    // In key order, as OPA's replacer tries them; the sort is charged.
    for (Value k : patterns.keys(c::charge)) {
      if (!(k instanceof StringValue ks)) {
        throw BuiltinException.type("operand 1 non-string key found in pattern object");
      }
      if (!(patterns.get(k) instanceof StringValue vs)) {
        throw BuiltinException.type("operand 1 non-string value found in pattern object");
      }
      olds.add(ks.value());
      news.add(vs.value());
    }
    String s = Operands.string(a, 1);
    return StringValue.of(StringReplacer.replace(c, "strings.replace_n", s, olds, news));
  }

  private static Value substring(BuiltinContext c, Value[] a) {
    String s = Operands.string(a, 0);
    long start = clamp(NumberOperands.bigIntOperand(a, 1));
    long length = clamp(NumberOperands.bigIntOperand(a, 2));
    if (start < 0) {
      throw BuiltinException.error("negative offset");
    }
    int runes = s.codePointCount(0, s.length());
    if (start >= runes) {
      return StringValue.EMPTY;
    }
    int from = s.offsetByCodePoints(0, (int) start);
    if (length < 0 || start + length >= runes) {
      return StringValue.of(s.substring(from));
    }
    return StringValue.of(s.substring(from, s.offsetByCodePoints(from, (int) length)));
  }

  /** Clamps an integer operand into the long range, where every larger value acts alike. */
  private static long clamp(BigInteger n) {
    if (n.bitLength() > 62) {
      return n.signum() < 0 ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
    }
    return n.longValue();
  }

  /**
   * Trims code points of the cutset. Each code point trimmed is looked up in the cutset, a scan of
   * it: the work, charged as it goes, is their count times the cutset's length.
   */
  private static Value trim(BuiltinContext c, Value[] a, boolean left, boolean right) {
    String s = Operands.string(a, 0);
    String cutset = Operands.string(a, 1);
    TextSearch.Positions positions = new TextSearch.Positions(c, List.of(cutset));
    int start = 0;
    int end = s.length();
    while (left && start < end && cutset.indexOf(s.codePointAt(start)) >= 0) {
      start += Character.charCount(s.codePointAt(start));
      positions.step();
    }
    while (right && end > start && cutset.indexOf(s.codePointBefore(end)) >= 0) {
      end -= Character.charCount(s.codePointBefore(end));
      positions.step();
    }
    return start == 0 && end == s.length() ? a[0] : StringValue.of(s.substring(start, end));
  }

  /** Returns true for the code points Go's unicode.IsSpace accepts. */
  static boolean isGoSpace(int cp) {
    return switch (cp) {
      case '\t',
          '\n',
          0x0B,
          '\f',
          '\r',
          ' ',
          0x85,
          0xA0,
          0x1680,
          0x2028,
          0x2029,
          0x202F,
          0x205F,
          0x3000 ->
          true;
      default -> cp >= 0x2000 && cp <= 0x200A;
    };
  }

  static String trimSpace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isGoSpace(s.codePointAt(start))) {
      start += Character.charCount(s.codePointAt(start));
    }
    while (end > start && isGoSpace(s.codePointBefore(end))) {
      end -= Character.charCount(s.codePointBefore(end));
    }
    return s.substring(start, end);
  }

  private static Value formatInt(BuiltinContext c, Value[] a) {
    NumberValue n = NumberOperands.number(a, 0);
    NumberValue base = Operands.number(a, 1);
    Integer b = base.intValueExact();
    if (b == null || (b != 2 && b != 8 && b != 10 && b != 16)) {
      throw BuiltinException.type("operand 2 must be one of {2, 8, 10, 16}");
    }
    BigInteger i = n.bigDecimal().setScale(0, RoundingMode.DOWN).toBigIntegerExact();
    // In base 2 a number of a hundred thousand decimal digits is over 330,000 characters.
    int bitsPerDigit = b == 2 ? 1 : b == 8 ? 3 : 4;
    c.checkSize("format_int", 1L + i.bitLength() / bitsPerDigit);
    return StringValue.of(i.toString(b));
  }

  /**
   * Formats as Go's fmt.Sprintf. The text is checked against the query's size limit as it grows,
   * both while each composite argument is written out and while the format is filled in: a format
   * that repeats an argument ({@code %[1]v%[1]v...}) or pads it wide makes text far larger than its
   * operands.
   */
  private static Value sprintf(BuiltinContext c, Value[] a) {
    String format = Operands.string(a, 0);
    ArrayValue arr = Operands.array(a, 1);
    List<Object> args = new ArrayList<>(arr.size());
    long written = 0;
    for (Value v : arr.elements()) {
      Object arg = sprintfArg(v, TextGrowth.of(c, "sprintf"), c::charge);
      if (arg instanceof String text) {
        written += text.length();
        c.checkSize("sprintf", 1 + written);
      }
      args.add(arg);
    }
    return StringValue.of(Sprintf.format(format, args, TextGrowth.of(c, "sprintf")));
  }

  /** Converts a value to the Go argument OPA passes to fmt.Sprintf. */
  static Object sprintfArg(Value v) {
    return sprintfArg(v, length -> {}, null);
  }

  /**
   * Converts a value to the Go argument OPA passes to fmt.Sprintf, telling {@code grown} the length
   * of a composite's text as it is written (see {@link TextGrowth}) and {@code charge} the work of
   * sorting its sets and objects' keys ({@link dev.vigil.rego.value.Values#sort}).
   */
  static Object sprintfArg(
      Value v, java.util.function.LongConsumer grown, java.util.function.LongConsumer charge) {
    return switch (v) {
      case StringValue s -> s.value();
      case NumberValue n -> {
        if (n.isInteger()) {
          Long l = n.longValueExact();
          if (l != null) {
            yield l;
          }
          if (!Double.isInfinite(n.doubleValue())) {
            yield n.bigInteger();
          }
          yield goNumberText(n.bigDecimal());
        }
        double d = n.doubleValue();
        yield Double.isInfinite(d) ? goNumberText(n.bigDecimal()) : (Object) d;
      }
      default -> regoTerm(v, grown, charge);
    };
  }

  /**
   * Writes a value in Rego term syntax as OPA prints terms: strings quoted as Go's strconv.Quote
   * (so {@code <} stays {@code <}), sets as {@code {1, 2}} or {@code set()}, keys sorted.
   */
  static String regoTerm(Value v) {
    return regoTerm(v, length -> {}, null);
  }

  /**
   * Writes a value as {@link #regoTerm(Value)} does, telling {@code grown} the length of the text
   * after each value and every few thousand characters of a string, so that it can stop text that
   * grows past a limit by throwing, and {@code charge} (when not null) the work of sorting sets and
   * objects' keys.
   */
  static String regoTerm(
      Value v, java.util.function.LongConsumer grown, java.util.function.LongConsumer charge) {
    StringBuilder b = new StringBuilder();
    writeTerm(v, b, grown, charge);
    return b.toString();
  }

  private static void writeTerm(
      Value v,
      StringBuilder b,
      java.util.function.LongConsumer grown,
      java.util.function.LongConsumer charge) {
    switch (v) {
      case StringValue s -> appendQuoted(b, s.value(), false, grown);
      case ArrayValue a -> writeAll(a.elements(), "[", "]", b, grown, charge);
      case SetValue s -> {
        if (s.size() == 0) {
          b.append("set()");
        } else {
          writeAll(s.elements(charge), "{", "}", b, grown, charge);
        }
      }
      case ObjectValue o -> {
        b.append('{');
        boolean first = true;
        for (Value k : o.keys(charge)) {
          b.append(first ? "" : ", ");
          first = false;
          writeTerm(k, b, grown, charge);
          b.append(": ");
          writeTerm(o.get(k), b, grown, charge);
        }
        b.append('}');
      }
      default -> b.append(v);
    }
    grown.accept(b.length());
  }

  private static void writeAll(
      List<Value> xs,
      String open,
      String close,
      StringBuilder b,
      java.util.function.LongConsumer grown,
      java.util.function.LongConsumer charge) {
    b.append(open);
    for (int i = 0; i < xs.size(); i++) {
      b.append(i > 0 ? ", " : "");
      writeTerm(xs.get(i), b, grown, charge);
    }
    b.append(close);
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Characters of a string quoted between two reports of the text's growth. */
  private static final int QUOTE_STRIDE = 4096;

  /** Appends {@code s} quoted as {@link #goQuote}, telling {@code grown} as it goes. */
  private static void appendQuoted(
      StringBuilder b, String s, boolean asciiOnly, java.util.function.LongConsumer grown) {
    b.append('"');
    int n = 0;
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      appendEscaped(b, cp, '"', asciiOnly);
      if (++n == QUOTE_STRIDE) {
        n = 0;
        grown.accept(b.length());
      }
    }
    b.append('"');
  }

  /** Writes a number too large for a float64 as its shortest text, such as {@code 2e308}. */
  private static String goNumberText(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    String digits = s.unscaledValue().abs().toString();
    int exp = -s.scale();
    String sign = s.signum() < 0 ? "-" : "";
    if (digits.length() == 1) {
      return sign + digits + "e" + exp;
    }
    return sign + digits.charAt(0) + "." + digits.substring(1) + "e" + (exp + digits.length() - 1);
  }

  /** Quotes as Go's strconv.Quote (or QuoteToASCII when asciiOnly). */
  static String goQuote(String s, boolean asciiOnly) {
    StringBuilder b = new StringBuilder(s.length() + 2);
    appendQuoted(b, s, asciiOnly, length -> {});
    return b.toString();
  }

  /** Quotes one rune as Go's strconv.QuoteRune. */
  static String goQuoteRune(int cp, boolean asciiOnly) {
    StringBuilder b = new StringBuilder("'");
    appendEscaped(b, cp, '\'', asciiOnly);
    return b.append('\'').toString();
  }

  private static void appendEscaped(StringBuilder b, int cp, char quote, boolean asciiOnly) {
    if (cp == quote || cp == '\\') {
      b.append('\\').appendCodePoint(cp);
      return;
    }
    if (asciiOnly ? (cp >= 0x20 && cp < 0x7F) : isGoPrintable(cp)) {
      b.appendCodePoint(cp);
      return;
    }
    switch (cp) {
      case 7 -> b.append("\\a");
      case '\b' -> b.append("\\b");
      case '\f' -> b.append("\\f");
      case '\n' -> b.append("\\n");
      case '\r' -> b.append("\\r");
      case '\t' -> b.append("\\t");
      case 0x0B -> b.append("\\v");
      default -> {
        if (cp < ' ' || cp == 0x7F) {
          b.append('\\').append('x').append(HEX[cp >> 4]).append(HEX[cp & 0xF]);
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          b.append("\\ufffd");
        } else if (cp < 0x10000) {
          b.append(String.format("\\u%04x", cp));
        } else {
          b.append(String.format("\\U%08x", cp));
        }
      }
    }
  }

  /** Approximates Go's unicode.IsPrint: graphic characters and the ASCII space. */
  static boolean isGoPrintable(int cp) {
    if (cp == ' ') {
      return true;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL,
          Character.FORMAT,
          Character.UNASSIGNED,
          Character.SURROGATE,
          Character.PRIVATE_USE,
          Character.LINE_SEPARATOR,
          Character.PARAGRAPH_SEPARATOR,
          Character.SPACE_SEPARATOR ->
          false;
      default -> true;
    };
  }
}
