package dev.vigil.rego.value;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Converts between JSON text and values.
 *
 * <p>Numbers keep their exact value. Sets are written as arrays in sorted order and object keys are
 * written sorted; a key that is not a string is written as its JSON text, as OPA does.
 */
public final class Json {

  /** The deepest nesting of arrays and objects that {@link #parse} accepts. */
  public static final int MAX_DEPTH = 1000;

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxNestingDepth(MAX_DEPTH)
                  .maxNumberLength(10_000)
                  .maxStringLength(64 * 1024 * 1024)
                  .build())
          .build();

  private Json() {}

  /**
   * Parses one JSON document.
   *
   * @throws JsonException naming the line and column where the text is not JSON
   */
  public static Value parse(String text) {
    try (JsonParser p = FACTORY.createParser(text)) {
      return parseDocument(p, null);
    } catch (JsonProcessingException e) {
      throw JsonException.from(e);
    } catch (IOException e) {
      throw new JsonException(e.getMessage(), 0, 0);
    }
  }

  /**
   * Parses one JSON document as {@link #parse(String)} does, telling {@code charge} the work as it
   * goes: a unit per value read and per 16 characters of its strings and keys, told every 64
   * values. A caller keeping a time budget throws from {@code charge} to stop the parse of a large
   * document at its deadline; the exception passes through unchanged.
   *
   * @throws JsonException naming the line and column where the text is not JSON
   */
  public static Value parse(String text, LongConsumer charge) {
    try (JsonParser p = FACTORY.createParser(text)) {
      return parseDocument(p, new Reading(charge));
    } catch (JsonProcessingException e) {
      throw JsonException.from(e);
    } catch (IOException e) {
      throw new JsonException(e.getMessage(), 0, 0);
    }
  }

  /** Parses one JSON document from a stream; see {@link #parse(String)}. */
  public static Value parse(InputStream in) {
    try (JsonParser p = FACTORY.createParser(in)) {
      return parseDocument(p, null);
    } catch (JsonProcessingException e) {
      throw JsonException.from(e);
    } catch (IOException e) {
      throw new JsonException(e.getMessage(), 0, 0);
    }
  }

  /** The work of one parse, told in batches; see {@link #parse(String, LongConsumer)}. */
  private static final class Reading {
    private final LongConsumer charge;
    private long units;
    private int values;

    Reading(LongConsumer charge) {
      this.charge = charge;
    }

    void read(int chars) {
      units += 1 + (chars >> 4);
      if (++values == 64) {
        flush();
      }
    }

    void flush() {
      if (units > 0) {
        long u = units;
        units = 0;
        values = 0;
        charge.accept(u);
      }
    }
  }

  private static Value parseDocument(JsonParser p, Reading r) throws IOException {
    try {
      Value v = readDocument(p, r);
      if (r != null) {
        r.flush();
      }
      return v;
    } catch (StreamConstraintsException e) {
      // Jackson raises a broken limit without a location; the parser still knows where it is.
      throw JsonException.limit(e, p.currentTokenLocation());
    }
  }

  private static Value readDocument(JsonParser p, Reading r) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonException("empty document", 1, 1);
    }
    Value v = read(p, t, r);
    if (p.nextToken() != null) {
      throw new JsonException(
          "unexpected data after the JSON value",
          p.currentLocation().getLineNr(),
          p.currentLocation().getColumnNr());
    }
    return v;
  }

  private static Value read(JsonParser p, JsonToken t, Reading r) throws IOException {
    if (r != null) {
      r.read(t == JsonToken.VALUE_STRING ? p.getTextLength() : 0);
    }
    switch (t) {
      case START_OBJECT -> {
        Map<Value, Value> m = new HashMap<>();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          StringValue key = StringValue.of(p.currentName());
          if (r != null) {
            r.read(key.value().length());
          }
          m.put(key, read(p, p.nextToken(), r));
        }
        return ObjectValue.wrap(m);
      }
      case START_ARRAY -> {
        List<Value> l = new ArrayList<>();
        JsonToken e;
        while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
          l.add(read(p, e, r));
        }
        return ArrayValue.of(l);
      }
      case VALUE_STRING -> {
        return StringValue.of(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? NumberValue.of(p.getBigIntegerValue())
            : NumberValue.of(p.getLongValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return NumberValue.of(p.getDecimalValue());
      }
      case VALUE_TRUE -> {
        return BooleanValue.TRUE;
      }
      case VALUE_FALSE -> {
        return BooleanValue.FALSE;
      }
      case VALUE_NULL -> {
        return NullValue.NULL;
      }
      default ->
          throw new JsonException(
              "unexpected token " + t,
              p.currentLocation().getLineNr(),
              p.currentLocation().getColumnNr());
    }
  }

  /** Converts a Jackson tree (from JSON or YAML) to a value. */
  public static Value fromNode(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL;
    }
    if (node.isObject()) {
      Map<Value, Value> m = new HashMap<>();
      Iterator<Map.Entry<String, JsonNode>> it = node.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        m.put(StringValue.of(e.getKey()), fromNode(e.getValue()));
      }
      return ObjectValue.wrap(m);
    }
    if (node.isArray()) {
      List<Value> l = new ArrayList<>(node.size());
      for (JsonNode e : node) {
        l.add(fromNode(e));
      }
      return ArrayValue.of(l);
    }
    if (node.isBoolean()) {
      return BooleanValue.of(node.booleanValue());
    }
    if (node.isIntegralNumber()) {
      return NumberValue.of(node.bigIntegerValue());
    }
    if (node.isNumber()) {
      return NumberValue.of(node.decimalValue());
    }
    if (node.isBinary()) {
      return StringValue.of(java.util.Base64.getEncoder().encodeToString(binary(node)));
    }
    return StringValue.of(node.asText());
  }

  private static byte[] binary(JsonNode node) {
    try {
      return node.binaryValue();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** Writes a value as compact JSON. */
  public static String write(Value v) {
    return write(v, null);
  }

  /**
   * Writes a value as compact JSON, telling {@code charge} (when not null) the work of sorting its
   * sets and objects' keys, as {@link Values#sort} does: evaluation charges it to its time budget.
   */
  public static String write(Value v, LongConsumer charge) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, null, 0, charge);
    return sb.toString();
  }

  /** Writes a value as JSON indented by two spaces per level. */
  public static String writePretty(Value v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, "  ", 0, null);
    return sb.toString();
  }

  private static void write(
      Value v, StringBuilder sb, String indent, int level, LongConsumer charge) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> quote(s.value(), sb);
      case ArrayValue a -> writeList(a.elements(), sb, indent, level, charge);
      case SetValue s -> writeList(s.elements(charge), sb, indent, level, charge);
      case ObjectValue o -> {
        if (o.size() == 0) {
          sb.append("{}");
          return;
        }
        List<Map.Entry<String, Value>> entries =
            Values.entriesByText(o, k -> write(k, charge), false, charge);
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Value> e : entries) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          newline(sb, indent, level + 1);
          quote(e.getKey(), sb);
          sb.append(indent == null ? ":" : ": ");
          write(e.getValue(), sb, indent, level + 1, charge);
        }
        newline(sb, indent, level);
        sb.append('}');
      }
    }
  }

  private static void writeList(
      List<Value> items, StringBuilder sb, String indent, int level, LongConsumer charge) {
    if (items.isEmpty()) {
      sb.append("[]");
      return;
    }
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      newline(sb, indent, level + 1);
      write(items.get(i), sb, indent, level + 1, charge);
    }
    newline(sb, indent, level);
    sb.append(']');
  }

  private static void newline(StringBuilder sb, String indent, int level) {
    if (indent != null) {
      sb.append('\n');
      sb.append(indent.repeat(level));
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** Appends {@code \\u} and four lowercase hex digits, as String.format would, only faster. */
  private static void appendUnicodeEscape(StringBuilder sb, char c) {
    sb.append('\\').append('u');
    sb.append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF]);
    sb.append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
  }

  /** How many characters of a string are quoted between two reports of the text's growth. */
  static final int GROWTH_STRIDE = 4096;

  /** Returns the string as a quoted JSON string. */
  public static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    quote(s, sb);
    return sb.toString();
  }

  /**
   * Appends the string as a quoted JSON string, escaped as Go's encoder does: HTML-safe, short
   * escapes for \\b and \\f, a lone surrogate as U+FFFD.
   */
  public static void quote(String s, StringBuilder sb) {
    quote(s, sb, null);
  }

  /**
   * Appends the string quoted as {@link #quote(String, StringBuilder)} does, telling {@code grown}
   * (when not null) the length of {@code sb} every {@link #GROWTH_STRIDE} characters.
   */
  static void quote(String s, StringBuilder sb, java.util.function.LongConsumer grown) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      if (grown != null && (i & (GROWTH_STRIDE - 1)) == GROWTH_STRIDE - 1) {
        grown.accept(sb.length());
      }
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '<', '>', '&', '\u2028', '\u2029' -> appendUnicodeEscape(sb, c);
        default -> {
          if (c < 0x20) {
            appendUnicodeEscape(sb, c);
          } else if (Character.isSurrogate(c)) {
            boolean paired =
                Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
              sb.append(c).append(s.charAt(++i));
            } else {
              sb.append("\\ufffd");
            }
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
