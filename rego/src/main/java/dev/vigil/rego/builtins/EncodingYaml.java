package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.Construct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserException;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;
import org.yaml.snakeyaml.scanner.ScannerException;

/**
 * YAML as OPA reads and writes it (Go's yaml.v2 behind {@code sigs.k8s.io/yaml}).
 *
 * <p>Reading uses SnakeYAML with YAML 1.1 scalars (so {@code yes} is true) but without implicit
 * timestamps, which yaml.v2 keeps as strings, and reports errors in libyaml's words ({@code yaml:
 * line 1: did not find expected ',' or ']'}). Only the first document of a stream is read, as
 * yaml.v2 does. Aliases and nesting are bounded so that hostile input fails instead of exhausting
 * memory.
 *
 * <p>Writing is a small emitter in yaml.v2's block style: sorted keys, sequences under a key not
 * indented, strings quoted only when they would read back as another type or cannot be plain.
 * Unlike yaml.v2, long strings are not folded at 80 columns.
 */
final class EncodingYaml {

  private EncodingYaml() {}

  /** Thrown with the message OPA's YAML builtins give. */
  static final class YamlException extends RuntimeException {
    YamlException(String message) {
      super(message, null, false, false);
    }
  }

  /** YAML 1.1 integers without the base-60 form, which yaml.v2 reads as a string. */
  private static final Pattern GO_INT =
      Pattern.compile(
          "^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$");

  /** YAML 1.1 floats without the base-60 form. */
  private static final Pattern GO_FLOAT =
      Pattern.compile(
          "^(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
              + "|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)"
              + "|\\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
              + "|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$");

  /** Resolves plain scalars as yaml.v2 does: YAML 1.1 booleans, no timestamps, no base 60. */
  private static final class GoResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.BOOL, BOOL, "yYnNtTfFoO");
      addImplicitResolver(Tag.INT, GO_INT, "-+0123456789");
      addImplicitResolver(Tag.FLOAT, GO_FLOAT, "-+0123456789.");
      addImplicitResolver(Tag.MERGE, MERGE, "<");
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }

  private static Yaml newYaml() {
    LoaderOptions options = new LoaderOptions();
    options.setMaxAliasesForCollections(50);
    options.setNestingDepthLimit(1000);
    options.setAllowDuplicateKeys(true);
    options.setCodePointLimit(64 * 1024 * 1024);
    var dumper = new org.yaml.snakeyaml.DumperOptions();
    return new Yaml(
        new BoundedConstructor(options),
        new Representer(dumper),
        dumper,
        options,
        new GoResolver());
  }

  /**
   * The safe constructor, refusing an integer or float longer than {@link NumberOperands#MAX_TEXT}
   * characters before it is parsed: decimal text parses in time quadratic in its length.
   */
  private static final class BoundedConstructor extends SafeConstructor {
    BoundedConstructor(LoaderOptions options) {
      super(options);
      yamlConstructors.put(Tag.INT, bounded(yamlConstructors.get(Tag.INT)));
      yamlConstructors.put(Tag.FLOAT, bounded(yamlConstructors.get(Tag.FLOAT)));
    }

    private static Construct bounded(Construct parse) {
      return new AbstractConstruct() {
        @Override
        public Object construct(Node node) {
          if (node instanceof ScalarNode s && s.getValue().length() > NumberOperands.MAX_TEXT) {
            throw BuiltinException.limit(
                "number of "
                    + s.getValue().length()
                    + " characters is longer than the "
                    + NumberOperands.MAX_TEXT
                    + " Vigil parses");
          }
          return parse.construct(node);
        }
      };
    }
  }

  // ---- reading ----

  /**
   * Reads the first YAML document of the text as a value, charging {@code ctx}'s time budget as it
   * goes: a unit per 16 characters of text read, as the parser reads it, and a unit per node made
   * into a value. A node that aliases another is made once and shared, so that a few aliases of
   * aliases (each of which yaml.v2 would copy) make a value whose size written out the query's size
   * limit refuses, rather than a conversion that copies the node exponentially many times.
   *
   * @throws YamlException in yaml.v2's words when the text is not YAML or holds a value JSON cannot
   *     carry
   */
  static Value parse(BuiltinContext ctx, String text) {
    Object doc;
    try {
      Iterator<Object> docs = newYaml().loadAll(new MeteredReader(ctx, text)).iterator();
      doc = docs.hasNext() ? docs.next() : null;
    } catch (MarkedYAMLException e) {
      throw new YamlException(describe(e));
    } catch (YAMLException e) {
      throw new YamlException("yaml: " + e.getMessage());
    }
    return new Conversion(ctx).toValue(doc);
  }

  /** The text as the parser reads it, in chunks, charging a unit per 16 characters. */
  private static final class MeteredReader extends java.io.Reader {
    private final BuiltinContext ctx;
    private final String text;
    private int pos;

    MeteredReader(BuiltinContext ctx, String text) {
      this.ctx = ctx;
      this.text = text;
    }

    @Override
    public int read(char[] buf, int off, int len) {
      if (pos >= text.length()) {
        return -1;
      }
      int n = Math.min(len, text.length() - pos);
      ctx.charge(1 + (n >> 4));
      text.getChars(pos, pos + n, buf, off);
      pos += n;
      return n;
    }

    @Override
    public void close() {}
  }

  /**
   * Words the error as yaml.v2 does: the problem's line (one more for scanner errors, whose marks
   * lag a line), else the context's line, and no line when both are on the first.
   */
  private static String describe(MarkedYAMLException e) {
    boolean scanner = e instanceof ScannerException;
    int line = 0;
    Mark context = e.getContextMark();
    Mark problem = e.getProblemMark();
    int problemLine = problem == null ? 0 : problem.getLine();
    if (problem != null && !scanner && problem.getColumn() != 0 && atEnd(problem)) {
      problemLine++;
    }
    if (problemLine != 0) {
      line = problemLine + (scanner ? 1 : 0);
    } else if (context != null && context.getLine() != 0) {
      line = context.getLine();
    }
    String where = line != 0 ? "line " + line + ": " : "";
    return "yaml: " + where + libyamlProblem(e, e instanceof ParserException);
  }

  private static boolean atEnd(Mark m) {
    int[] buffer = m.getBuffer();
    return buffer == null || m.getPointer() >= buffer.length || buffer[m.getPointer()] == 0;
  }

  /** Rewords SnakeYAML's problem text as libyaml words the same problem. */
  private static String libyamlProblem(MarkedYAMLException e, boolean parser) {
    String p = e.getProblem() == null ? "" : e.getProblem();
    String c = e.getContext() == null ? "" : e.getContext();
    if (p.startsWith("expected ',' or ']'")) {
      return "did not find expected ',' or ']'";
    }
    if (p.startsWith("expected ',' or '}'")) {
      return "did not find expected ',' or '}'";
    }
    if (p.startsWith("expected <block end>")) {
      return c.contains("mapping")
          ? "did not find expected key"
          : "did not find expected '-'" + " indicator";
    }
    if (p.startsWith("mapping values are not allowed")) {
      return "mapping values are not allowed in this context";
    }
    if (p.contains("that cannot start any token")) {
      return "found character that cannot start any token";
    }
    if (p.startsWith("could not find expected ':'")) {
      return "could not find expected ':'";
    }
    if (p.startsWith("found undefined alias")) {
      return "unknown anchor '" + p.substring(p.lastIndexOf(' ') + 1) + "' referenced";
    }
    if (parser && p.startsWith("expected the node content")) {
      return "did not find expected node content";
    }
    if (p.contains("unexpected end of stream") || p.contains("found unexpected end of stream")) {
      return "found unexpected end of stream";
    }
    return p.isEmpty() ? "unknown problem parsing YAML content" : p;
  }

  /**
   * Makes the parser's objects into values, each collection once however many times aliases refer
   * to it, charging a unit per object made.
   */
  private static final class Conversion {
    private final BuiltinContext ctx;
    private final Map<Object, Value> made = new IdentityHashMap<>();

    Conversion(BuiltinContext ctx) {
      this.ctx = ctx;
    }

    Value toValue(Object o) {
      ctx.charge(1);
      return switch (o) {
        case null -> NullValue.NULL;
        case Boolean b -> BooleanValue.of(b);
        case Integer i -> NumberValue.of(i.longValue());
        case Long l -> NumberValue.of(l);
        case BigInteger b -> NumberValue.of(b);
        case Double d -> floatValue(d);
        case Float f -> floatValue(f.doubleValue());
        case String s -> StringValue.of(s);
        case byte[] bytes -> StringValue.of(new String(bytes, StandardCharsets.UTF_8));
        case Map<?, ?> m -> shared(m, () -> object(m));
        case List<?> l -> shared(l, () -> array(l));
        case Collection<?> set -> shared(set, () -> setObject(set));
        default -> StringValue.of(o.toString());
      };
    }

    private Value shared(Object o, java.util.function.Supplier<Value> make) {
      Value v = made.get(o);
      if (v == null) {
        v = make.get();
        made.put(o, v);
      }
      return v;
    }

    private Value object(Map<?, ?> m) {
      Map<Value, Value> out = new HashMap<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        out.put(StringValue.of(keyString(e.getKey())), toValue(e.getValue()));
      }
      return ObjectValue.wrap(out);
    }

    private Value array(List<?> l) {
      List<Value> out = new ArrayList<>(l.size());
      for (Object e : l) {
        out.add(toValue(e));
      }
      return ArrayValue.of(out);
    }

    private Value setObject(Collection<?> set) {
      Map<Value, Value> out = new HashMap<>();
      for (Object e : set) {
        out.put(StringValue.of(keyString(e)), NullValue.NULL);
      }
      return ObjectValue.wrap(out);
    }

    /**
     * Returns a key as text. A collection used as a key is written out as Java writes it, within
     * the query's size limit as it grows, since aliases can make it far larger than the YAML text.
     */
    private String keyString(Object k) {
      if (!(k instanceof Map<?, ?> || k instanceof Collection<?>)) {
        return EncodingYaml.keyString(k);
      }
      StringBuilder sb = new StringBuilder();
      appendKey(k, sb, TextGrowth.of(ctx, "yaml.unmarshal"));
      return sb.toString();
    }

    private static void appendKey(Object k, StringBuilder sb, TextGrowth grown) {
      switch (k) {
        case Map<?, ?> m -> {
          sb.append('{');
          String sep = "";
          for (Map.Entry<?, ?> e : m.entrySet()) {
            sb.append(sep);
            appendKey(e.getKey(), sb, grown);
            sb.append('=');
            appendKey(e.getValue(), sb, grown);
            sep = ", ";
          }
          sb.append('}');
        }
        case Collection<?> c -> {
          sb.append('[');
          String sep = "";
          for (Object e : c) {
            sb.append(sep);
            appendKey(e, sb, grown);
            sep = ", ";
          }
          sb.append(']');
        }
        case null -> sb.append("null");
        default -> sb.append(k);
      }
      grown.accept(sb.length());
    }
  }

  private static Value floatValue(double d) {
    if (Double.isNaN(d)) {
      throw new YamlException("json: unsupported value: NaN");
    }
    if (Double.isInfinite(d)) {
      throw new YamlException("json: unsupported value: " + (d > 0 ? "+Inf" : "-Inf"));
    }
    return NumberValue.of(new BigDecimal(Double.toString(d)));
  }

  private static String keyString(Object k) {
    return switch (k) {
      case null -> "null";
      case String s -> s;
      case Double d -> formatFloat(d);
      case Float f -> formatFloat(f.doubleValue());
      case byte[] bytes -> new String(bytes, StandardCharsets.UTF_8);
      default -> k.toString();
    };
  }

  /** Formats a double as Go's {@code strconv.FormatFloat(f, 'g', -1, 64)}. */
  static String formatFloat(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "+Inf" : "-Inf";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0" : "0";
    }
    BigDecimal b = new BigDecimal(Double.toString(d)).stripTrailingZeros();
    String digits = b.unscaledValue().abs().toString();
    int exp = digits.length() - b.scale() - 1;
    String sign = b.signum() < 0 ? "-" : "";
    if (exp < -4 || exp >= 21) {
      String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String e = Integer.toString(Math.abs(exp));
      return sign + mant + "e" + (exp < 0 ? "-" : "+") + (e.length() < 2 ? "0" + e : e);
    }
    return sign + b.abs().toPlainString();
  }

  // ---- writing ----

  /** Writes the value as yaml.v2 marshals the JSON form of it, ending with a newline. */
  static String marshal(Value v) {
    return marshal(v, null);
  }

  /**
   * As {@link #marshal(Value)}, charging {@code ctx}'s time budget and checking the text's size
   * against its limit at each entry: a value may share its parts, and each line repeats its
   * indentation, so the text can be far longer than the work that built the value.
   */
  static String marshal(Value v, BuiltinContext ctx) {
    StringBuilder sb = new StringBuilder();
    if (isEmptyCollection(v) || isScalar(v)) {
      appendInline(v, sb, 2, true);
      sb.append('\n');
      return sb.toString();
    }
    block(v, sb, 0, ctx);
    return sb.toString();
  }

  private static boolean isScalar(Value v) {
    return !(v instanceof ArrayValue || v instanceof SetValue || v instanceof ObjectValue);
  }

  private static boolean isEmptyCollection(Value v) {
    return switch (v) {
      case ArrayValue a -> a.size() == 0;
      case SetValue s -> s.size() == 0;
      case ObjectValue o -> o.size() == 0;
      default -> false;
    };
  }

  private static List<Value> items(Value v, BuiltinContext ctx) {
    return v instanceof SetValue s
        ? s.elements(EncodingGoJson.charger(ctx))
        : ((ArrayValue) v).elements();
  }

  /** Writes a non-empty collection starting at the current line, every line at indent. */
  private static void block(Value v, StringBuilder sb, int indent, BuiltinContext ctx) {
    String pad = " ".repeat(indent);
    if (v instanceof ObjectValue o) {
      boolean first = true;
      for (Map.Entry<String, Value> e : EncodingGoJson.sortedEntries(o, ctx)) {
        entry(sb, indent, ctx);
        if (!first) {
          sb.append(pad);
        }
        first = false;
        appendScalar(e.getKey(), sb, indent + 2, false);
        sb.append(':');
        entryValue(e.getValue(), sb, indent, true, ctx);
      }
      return;
    }
    boolean first = true;
    for (Value item : items(v, ctx)) {
      entry(sb, indent, ctx);
      if (!first) {
        sb.append(pad);
      }
      first = false;
      sb.append('-');
      entryValue(item, sb, indent, false, ctx);
    }
  }

  /** Charges one entry and checks the text's size before it is written. */
  private static void entry(StringBuilder sb, int indent, BuiltinContext ctx) {
    if (ctx != null) {
      ctx.charge(1);
      ctx.checkSize("yaml.marshal", 1L + sb.length() + indent);
    }
  }

  private static void entryValue(
      Value v, StringBuilder sb, int indent, boolean underKey, BuiltinContext ctx) {
    if (isScalar(v) || isEmptyCollection(v)) {
      sb.append(' ');
      appendInline(v, sb, indent + 2, true);
      sb.append('\n');
      return;
    }
    if (v instanceof ObjectValue) {
      if (underKey) {
        sb.append('\n').append(" ".repeat(indent + 2));
      } else {
        sb.append(' ');
      }
      block(v, sb, indent + 2, ctx);
      return;
    }
    if (underKey) {
      sb.append('\n').append(" ".repeat(indent));
      block(v, sb, indent, ctx);
    } else {
      sb.append(' ');
      block(v, sb, indent + 2, ctx);
    }
  }

  private static void appendInline(Value v, StringBuilder sb, int indent, boolean breaks) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(number(n));
      case StringValue s -> appendScalar(s.value(), sb, indent, breaks);
      case ArrayValue a -> sb.append("[]");
      case SetValue s -> sb.append("[]");
      case ObjectValue o -> sb.append("{}");
    }
  }

  /** Numbers pass through JSON and yaml.v2's int or float64, as in OPA. */
  private static String number(NumberValue n) {
    if (n.isInteger()) {
      BigInteger i = n.bigInteger();
      if (i.bitLength() < 64) {
        return i.toString();
      }
    }
    return formatFloat(n.doubleValue());
  }

  private static final Pattern NON_STRING =
      Pattern.compile(
          "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
              + "|~|null|Null|NULL|<<|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
              + "|[-+](?i:inf|infinity|nan)"
              + "|[-+]?(0|[1-9][0-9_]*)|[-+]?0b[01_]+|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+"
              + "|[-+]?[0-9][0-9_]*\\.[0-9_]*([eE][-+]?[0-9]+)?"
              + "|[-+]?\\.[0-9][0-9_]*([eE][-+]?[0-9]+)?"
              + "|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?"
              + "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
              + "([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?(Z|[-+][0-9]{2}:[0-9]{2})|"
              + " [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9]+)?)?");

  /**
   * Appends the string as a plain, quoted or literal scalar, as yaml.v2 chooses, folding long lines
   * at spaces past column 80 as libyaml does. Continuation lines start at indent.
   */
  static void appendScalar(String s, StringBuilder sb, int indent, boolean breaks) {
    if (s.isEmpty() || NON_STRING.matcher(s).matches()) {
      appendDoubleQuoted(s, sb, indent, breaks);
    } else if (s.indexOf('\n') >= 0 && printable(s)) {
      sb.append(literal(s, indent));
    } else if (plainAllowed(s)) {
      appendFolded(s, sb, indent, breaks, false);
    } else if (printable(s)) {
      sb.append('\'');
      appendFolded(s, sb, indent, breaks, true);
      sb.append('\'');
    } else {
      appendDoubleQuoted(s, sb, indent, breaks);
    }
  }

  private static final int WIDTH = 80;

  private static int column(StringBuilder sb) {
    return sb.length() - sb.lastIndexOf("\n") - 1;
  }

  private static void breakLine(StringBuilder sb, int indent) {
    sb.append('\n').append(" ".repeat(indent));
  }

  /** Writes a plain or single-quoted scalar, breaking at a single space past the width. */
  private static void appendFolded(
      String s, StringBuilder sb, int indent, boolean breaks, boolean quoted) {
    boolean spaces = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ') {
        boolean inside = !quoted || (i > 0 && i < s.length() - 1);
        boolean nextSpace = i + 1 < s.length() && s.charAt(i + 1) == ' ';
        if (breaks && !spaces && inside && column(sb) > WIDTH && !nextSpace) {
          breakLine(sb, indent);
        } else {
          sb.append(c);
        }
        spaces = true;
      } else {
        if (quoted && c == '\'') {
          sb.append('\'');
        }
        sb.append(c);
        spaces = false;
      }
    }
  }

  private static String literal(String s, int indent) {
    String chomp = !s.endsWith("\n") ? "-" : s.equals("\n") || s.endsWith("\n\n") ? "+" : "";
    String body = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    String pad = " ".repeat(Math.max(indent, 2));
    StringBuilder sb = new StringBuilder("|").append(chomp);
    if (s.startsWith(" ") || s.startsWith("\n")) {
      sb.insert(1, '2');
    }
    for (String line : body.split("\n", -1)) {
      sb.append('\n');
      if (!line.isEmpty()) {
        sb.append(pad).append(line);
      }
    }
    return sb.toString();
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        continue;
      }
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0xfeff) {
        return false;
      }
    }
    return true;
  }

  private static boolean plainAllowed(String s) {
    if (!printable(s) || s.indexOf('\n') >= 0) {
      return false;
    }
    char first = s.charAt(0);
    char last = s.charAt(s.length() - 1);
    if (first == ' ' || last == ' ' || s.startsWith("---") || s.startsWith("...")) {
      return false;
    }
    if ("#,[]{}&*!|>'\"%@`".indexOf(first) >= 0) {
      return false;
    }
    if ((first == '-' || first == '?' || first == ':') && (s.length() == 1 || s.charAt(1) == ' ')) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean followedBySpace = i + 1 >= s.length() || s.charAt(i + 1) == ' ';
      if (c == ':' && followedBySpace) {
        return false;
      }
      if (c == '#' && i > 0 && s.charAt(i - 1) == ' ') {
        return false;
      }
    }
    return true;
  }

  private static void appendDoubleQuoted(String s, StringBuilder sb, int indent, boolean breaks) {
    sb.append('"');
    boolean spaces = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == ' ') {
        if (breaks && !spaces && column(sb) > WIDTH && i > 0 && i < s.length() - 1) {
          breakLine(sb, indent);
          if (s.charAt(i + 1) == ' ') {
            sb.append('\\');
          }
        } else {
          sb.append(c);
        }
        spaces = true;
        continue;
      }
      spaces = false;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case 0 -> sb.append("\\0");
        case 0x07 -> sb.append("\\a");
        case '\b' -> sb.append("\\b");
        case '\t' -> sb.append("\\t");
        case '\n' -> sb.append("\\n");
        case 0x0b -> sb.append("\\v");
        case '\f' -> sb.append("\\f");
        case '\r' -> sb.append("\\r");
        case 0x1b -> sb.append("\\e");
        case 0x85 -> sb.append("\\N");
        case 0xa0 -> sb.append("\\_");
        case 0x2028 -> sb.append("\\L");
        case 0x2029 -> sb.append("\\P");
        default -> {
          if (c < 0x20 || c == 0x7f || (c > 0x7f && c < 0xa0)) {
            sb.append(String.format("\\x%02X", (int) c));
          } else if (c == 0xfeff) {
            sb.append("\\uFEFF");
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
