package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.STRING;

import com.google.re2j.Pattern;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;

/** Builtins of the Glob family: {@code glob.match} and {@code glob.quote_meta}. */
final class GlobBuiltins {

  /** Compiled globs by pattern and delimiters, joined by a character no glob holds. */
  private static final RegexCache<Pattern> CACHE = new RegexCache<>(1000, GlobBuiltins::compileKey);

  private GlobBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "glob.match",
        List.of(STRING, Type.anyOf(Type.array(STRING), Type.NULL), STRING),
        BOOLEAN,
        "Matches a string against a glob; * stops at the delimiters (default \".\", none when"
            + " null), ** does not.",
        GlobBuiltins::match);
    r.register(
        "glob.quote_meta",
        List.of(STRING),
        STRING,
        "Escapes the glob meta characters of a string.",
        (c, a) -> StringValue.of(GlobPattern.quoteMeta(Operands.string(a, 0))));
  }

  private static Value match(BuiltinContext c, Value[] a) {
    String glob = Operands.string(a, 0);
    List<Integer> delimiters = delimiters(a);
    String s = Operands.string(a, 2);
    StringBuilder key = new StringBuilder();
    for (int d : delimiters) {
      key.appendCodePoint(d);
    }
    key.append('\u0000').append(glob);
    return BooleanValue.of(CACHE.get(key.toString()).matcher(MeteredText.of(c, s, glob)).matches());
  }

  private static Pattern compileKey(String key) {
    int split = key.indexOf('\u0000');
    List<Integer> delimiters = key.substring(0, split).codePoints().boxed().toList();
    return GlobPattern.compile(key.substring(split + 1), delimiters);
  }

  private static List<Integer> delimiters(Value[] a) {
    if (a[1] instanceof NullValue) {
      return List.of();
    }
    if (!(a[1] instanceof ArrayValue arr)) {
      throw NumberOperands.oneOf(1, a[1], "array", "null");
    }
    List<Integer> out = new ArrayList<>();
    for (Value v : arr.elements()) {
      if (!(v instanceof StringValue s)) {
        throw NumberOperands.elementError(1, arr, v, "string");
      }
      if (s.value().codePointCount(0, s.value().length()) != 1) {
        throw NumberOperands.elementError(1, arr, v, "rune");
      }
      out.add(s.value().codePointAt(0));
    }
    return out.isEmpty() ? List.of((int) '.') : out;
  }
}
