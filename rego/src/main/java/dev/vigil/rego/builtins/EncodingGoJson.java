package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * JSON text as Go's {@code encoding/json} reads and writes it, which is what OPA's JSON builtins
 * produce: the writer escapes {@code <}, {@code >} and {@code &}, sorts object keys and supports
 * {@code MarshalIndent}'s prefix and indent; the reader is strict RFC 8259 and fails with Go's
 * messages ({@code invalid character 'x' looking for beginning of value}, {@code unexpected EOF}).
 */
final class EncodingGoJson {

  /** Nesting deeper than this is refused rather than risking the stack. */
  static final int MAX_DEPTH = 1_000;

  private EncodingGoJson() {}

  /** Thrown with Go's wording when text is not one JSON value. */
  static final class SyntaxException extends RuntimeException {
    SyntaxException(String message) {
      super(message, null, false, false);
    }
  }

  // ---- writing ----

  /** Writes the value compactly, as {@code json.Marshal} does. */
  static String marshal(Value v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, null, null, null, 0);
    return sb.toString();
  }

  /**
   * Writes the value as {@code json.Marshal} does for {@code builtin}, charging {@code ctx}'s time
   * budget and checking the text's size against its limit as the text grows.
   */
  static String marshal(Value v, BuiltinContext ctx) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, null, null, ctx, 0);
    return sb.toString();
  }

  /**
   * Writes the value as {@code json.MarshalIndent(v, prefix, indent)} does, checking the text's
   * size against {@code ctx}'s limit as it grows.
   */
  static String marshalIndent(Value v, String prefix, String indent, BuiltinContext ctx) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, prefix, indent, ctx, 0);
    return sb.toString();
  }

  private static void write(
      Value v, StringBuilder sb, String prefix, String indent, BuiltinContext ctx, int depth) {
    if (ctx != null) {
      // A value may share its parts, so its text can be far longer than the work that built it.
      ctx.charge(1);
      ctx.checkSize(indent == null ? "json.marshal" : "json.marshal_with_options", sb.length());
    }
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> quote(s.value(), sb);
      case ArrayValue a -> writeList(a.elements(), sb, prefix, indent, ctx, depth);
      case SetValue s -> writeList(s.elements(charger(ctx)), sb, prefix, indent, ctx, depth);
      case ObjectValue o -> writeObject(o, sb, prefix, indent, ctx, depth);
    }
  }

  private static void writeList(
      List<Value> items,
      StringBuilder sb,
      String prefix,
      String indent,
      BuiltinContext ctx,
      int depth) {
    if (items.isEmpty()) {
      sb.append("[]");
      return;
    }
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      newline(sb, prefix, indent, ctx, depth + 1);
      write(items.get(i), sb, prefix, indent, ctx, depth + 1);
    }
    newline(sb, prefix, indent, ctx, depth);
    sb.append(']');
  }

  private static void writeObject(
      ObjectValue o,
      StringBuilder sb,
      String prefix,
      String indent,
      BuiltinContext ctx,
      int depth) {
    if (o.size() == 0) {
      sb.append("{}");
      return;
    }
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, Value> e : sortedEntries(o, ctx)) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      newline(sb, prefix, indent, ctx, depth + 1);
      quote(e.getKey(), sb);
      sb.append(indent == null ? ":" : ": ");
      write(e.getValue(), sb, prefix, indent, ctx, depth + 1);
    }
    newline(sb, prefix, indent, ctx, depth);
    sb.append('}');
  }

  /**
   * Returns the entries of {@code o} in the order Go's encoder writes them, by key text ({@link
   * #keyText}), the greater of two keys with one text winning; the sort is charged to {@code ctx}
   * when it is not null.
   */
  static List<Map.Entry<String, Value>> sortedEntries(ObjectValue o, BuiltinContext ctx) {
    return Values.entriesByText(o, k -> keyText(k, ctx), true, charger(ctx));
  }

  /** Returns {@code ctx}'s charge as a consumer, or null (no charge) when there is no context. */
  static LongConsumer charger(BuiltinContext ctx) {
    return ctx == null ? null : ctx::charge;
  }

  /**
   * Returns the text OPA uses for an object key: strings as they are, others as their JSON, written
   * as {@link #marshal(Value, BuiltinContext)} writes it when {@code ctx} is not null.
   */
  static String keyText(Value k, BuiltinContext ctx) {
    if (k instanceof StringValue s) {
      return s.value();
    }
    return ctx == null ? marshal(k) : marshal(k, ctx);
  }

  private static void newline(
      StringBuilder sb, String prefix, String indent, BuiltinContext ctx, int depth) {
    if (indent != null) {
      // Each line repeats the prefix and the indent: their lengths times the lines of a large
      // value make a result far larger than either, so its size is checked line by line.
      ctx.checkSize(
          "json.marshal_with_options",
          2L + sb.length() + prefix.length() + (long) indent.length() * depth);
      sb.append('\n').append(prefix);
      sb.append(indent.repeat(depth));
    }
  }

  /** Appends the string quoted and escaped as Go's encoder does (HTML-safe). */
  static void quote(String s, StringBuilder sb) {
    dev.vigil.rego.value.Json.quote(s, sb);
  }

  // ---- reading ----

  /** Returns true when the text is exactly one JSON value, as {@code json.Valid}. */
  static boolean valid(String text) {
    try {
      return first(text).pos >= text.length();
    } catch (SyntaxException e) {
      return false;
    }
  }

  /**
   * Parses the first JSON value of the text, as OPA's {@code json.unmarshal} does with Go's
   * decoder: after the value, only the next token is checked, so trailing text fails with {@code
   * error: invalid character '2' after top-level value} (naming that token) while a trailing {@code
   * null} is let through, as in OPA.
   *
   * @throws SyntaxException with Go's message when the text does not start with a JSON value
   */
  static Value parse(String text) {
    return parse(text, units -> {});
  }

  /**
   * Parses as {@link #parse(String)} does, telling {@code charge} the work as it goes: a unit per
   * value read and per 16 characters of text, so that a caller keeping a time budget can stop the
   * parse of a long text at its deadline by throwing.
   */
  static Value parse(String text, java.util.function.LongConsumer charge) {
    Reader r = first(text, charge);
    if (r.pos < text.length()) {
      String token = r.nextToken();
      if (token != null) {
        throw new SyntaxException("error: invalid character '" + token + "' after top-level value");
      }
    }
    return r.result;
  }

  private static Reader first(String text) {
    return first(text, units -> {});
  }

  private static Reader first(String text, java.util.function.LongConsumer charge) {
    Reader r = new Reader(text, charge);
    r.skipSpace();
    if (r.pos >= text.length()) {
      throw new SyntaxException("EOF");
    }
    r.result = r.value(0);
    r.skipSpace();
    return r;
  }

  /** Returns a character as Go's JSON errors quote it: {@code 'x'}, {@code '\n'}. */
  static String quoteChar(int c) {
    if (c == '\'') {
      return "'\\''";
    }
    if (c == '"') {
      return "'\"'";
    }
    String q = EncodingGoQuote.quote(new String(Character.toChars(c)));
    return "'" + q.substring(1, q.length() - 1) + "'";
  }

  private static final class Reader {
    private final String s;
    private final java.util.function.LongConsumer charge;
    private int pos;
    private int charged;
    private int values;
    private Value result;

    Reader(String s, java.util.function.LongConsumer charge) {
      this.s = s;
      this.charge = charge;
    }

    /** Charges, once in a while, for the values read and the text passed since the last charge. */
    private void meter() {
      if (++values == 64 || pos - charged >= 1024) {
        charge.accept(values + ((pos - charged) >> 4));
        values = 0;
        charged = pos;
      }
    }

    void skipSpace() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
          return;
        }
        pos++;
      }
    }

    /**
     * Reads the token after the top-level value as Go's {@code Decoder.Token} does and returns how
     * OPA prints it, or null for {@code null}, which OPA does not report.
     */
    String nextToken() {
      int c = s.charAt(pos);
      return switch (c) {
        case '{', '[' -> String.valueOf((char) c);
        case '"' -> string();
        case 't' -> {
          literal("true", BooleanValue.TRUE);
          yield "%!s(bool=true)";
        }
        case 'f' -> {
          literal("false", BooleanValue.FALSE);
          yield "%!s(bool=false)";
        }
        case 'n' -> {
          literal("null", NullValue.NULL);
          yield null;
        }
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            int start = pos;
            number();
            yield s.substring(start, pos);
          }
          throw invalid("looking for beginning of value");
        }
      };
    }

    private SyntaxException invalid(String context) {
      return new SyntaxException(
          "invalid character " + quoteChar(s.codePointAt(pos)) + " " + context);
    }

    private int peek() {
      if (pos >= s.length()) {
        throw new SyntaxException("unexpected EOF");
      }
      return s.charAt(pos);
    }

    Value value(int depth) {
      if (depth > MAX_DEPTH) {
        throw new SyntaxException("exceeded max depth");
      }
      meter();
      int c = peek();
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> StringValue.of(string());
        case 't' -> literal("true", BooleanValue.TRUE);
        case 'f' -> literal("false", BooleanValue.FALSE);
        case 'n' -> literal("null", NullValue.NULL);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw invalid("looking for beginning of value");
        }
      };
    }

    private Value literal(String word, Value v) {
      for (int i = 0; i < word.length(); i++) {
        if (pos >= s.length()) {
          throw new SyntaxException("unexpected EOF");
        }
        if (s.charAt(pos) != word.charAt(i)) {
          throw invalid("in literal " + word + " (expecting '" + word.charAt(i) + "')");
        }
        pos++;
      }
      return v;
    }

    private Value object(int depth) {
      pos++;
      Map<Value, Value> m = new HashMap<>();
      skipSpace();
      if (peek() == '}') {
        pos++;
        return ObjectValue.EMPTY;
      }
      while (true) {
        skipSpace();
        if (peek() != '"') {
          throw invalid("looking for beginning of object key string");
        }
        String key = string();
        skipSpace();
        if (peek() != ':') {
          throw invalid("after object key");
        }
        pos++;
        skipSpace();
        m.put(StringValue.of(key), value(depth + 1));
        skipSpace();
        int c = peek();
        if (c == ',') {
          pos++;
          continue;
        }
        if (c == '}') {
          pos++;
          return ObjectValue.wrap(m);
        }
        throw invalid("after object key:value pair");
      }
    }

    private Value array(int depth) {
      pos++;
      List<Value> items = new ArrayList<>();
      skipSpace();
      if (peek() == ']') {
        pos++;
        return ArrayValue.EMPTY;
      }
      while (true) {
        skipSpace();
        items.add(value(depth + 1));
        skipSpace();
        int c = peek();
        if (c == ',') {
          pos++;
          continue;
        }
        if (c == ']') {
          pos++;
          return ArrayValue.of(items);
        }
        throw invalid("after array element");
      }
    }

    private String string() {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        int c = peek();
        if (c == '"') {
          pos++;
          return paired(sb);
        }
        if (c < 0x20) {
          throw invalid("in string literal");
        }
        if (c != '\\') {
          sb.append((char) c);
          pos++;
          continue;
        }
        pos++;
        int e = peek();
        switch (e) {
          case '"', '\\', '/' -> sb.append((char) e);
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            int code = 0;
            for (int i = 0; i < 4; i++) {
              pos++;
              int h = Character.digit(peek(), 16);
              if (h < 0) {
                throw invalid("in \\u hexadecimal character escape");
              }
              code = code * 16 + h;
            }
            sb.append((char) code);
          }
          default -> throw invalid("in string escape code");
        }
        pos++;
      }
    }

    /** Replaces surrogates left unpaired by {@code \\u} escapes with U+FFFD, as Go does. */
    private static String paired(StringBuilder sb) {
      for (int i = 0; i < sb.length(); i++) {
        char c = sb.charAt(i);
        if (Character.isHighSurrogate(c)
            && i + 1 < sb.length()
            && Character.isLowSurrogate(sb.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(c)) {
          sb.setCharAt(i, '\ufffd');
        }
      }
      return sb.toString();
    }

    private Value number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
        if (!isDigit(peek())) {
          throw invalid("in numeric literal");
        }
      }
      if (s.charAt(pos) == '0') {
        pos++;
      } else {
        digits();
      }
      if (pos < s.length() && s.charAt(pos) == '.') {
        pos++;
        if (!isDigit(peek())) {
          throw invalid("after decimal point in numeric literal");
        }
        digits();
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        pos++;
        if (peek() == '+' || peek() == '-') {
          pos++;
        }
        if (!isDigit(peek())) {
          throw invalid("in exponent of numeric literal");
        }
        digits();
      }
      if (pos - start > NumberOperands.MAX_TEXT) {
        // Valid JSON that OPA would read: a limit, not a syntax error (which would be undefined).
        throw BuiltinException.limit(
            "number of "
                + (pos - start)
                + " characters at offset "
                + start
                + " is longer than the "
                + NumberOperands.MAX_TEXT
                + " Vigil parses");
      }
      return NumberValue.parse(s.substring(start, pos));
    }

    private void digits() {
      while (pos < s.length() && isDigit(s.charAt(pos))) {
        pos++;
      }
    }

    private static boolean isDigit(int c) {
      return c >= '0' && c <= '9';
    }
  }
}
