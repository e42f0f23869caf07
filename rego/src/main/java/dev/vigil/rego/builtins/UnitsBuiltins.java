package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Builtins of the Units family: {@code units.parse} (SI and binary prefixes, {@code m} is milli and
 * {@code M} mega) and {@code units.parse_bytes} (case-insensitive byte units, integer result).
 * Error messages read as OPA's once the evaluator has put the builtin's name in front.
 */
final class UnitsBuiltins {

  private static final Pattern AMOUNT =
      Pattern.compile("[+-]?(?:[0-9]++(?:\\.[0-9]*+)?|\\.[0-9]++)(?:[eE][+-]?[0-9]++)?");
  private static final int MAX_EXPONENT_DIGITS = 6;

  private static final long K = 1000;
  private static final long KI = 1024;

  private static final Map<String, BigDecimal> SI =
      Map.ofEntries(
          Map.entry("", BigDecimal.ONE),
          Map.entry("m", new BigDecimal(0.001)),
          Map.entry("k", pow(K, 1)),
          Map.entry("K", pow(K, 1)),
          Map.entry("ki", pow(KI, 1)),
          Map.entry("Ki", pow(KI, 1)),
          Map.entry("M", pow(K, 2)),
          Map.entry("mi", pow(KI, 2)),
          Map.entry("Mi", pow(KI, 2)),
          Map.entry("g", pow(K, 3)),
          Map.entry("G", pow(K, 3)),
          Map.entry("gi", pow(KI, 3)),
          Map.entry("Gi", pow(KI, 3)),
          Map.entry("t", pow(K, 4)),
          Map.entry("T", pow(K, 4)),
          Map.entry("ti", pow(KI, 4)),
          Map.entry("Ti", pow(KI, 4)),
          Map.entry("p", pow(K, 5)),
          Map.entry("P", pow(K, 5)),
          Map.entry("pi", pow(KI, 5)),
          Map.entry("Pi", pow(KI, 5)),
          Map.entry("e", pow(K, 6)),
          Map.entry("E", pow(K, 6)),
          Map.entry("ei", pow(KI, 6)),
          Map.entry("Ei", pow(KI, 6)));

  private static final Map<String, BigDecimal> BYTES =
      Map.ofEntries(
          Map.entry("", BigDecimal.ONE),
          Map.entry("kb", pow(K, 1)),
          Map.entry("k", pow(K, 1)),
          Map.entry("kib", pow(KI, 1)),
          Map.entry("ki", pow(KI, 1)),
          Map.entry("mb", pow(K, 2)),
          Map.entry("m", pow(K, 2)),
          Map.entry("mib", pow(KI, 2)),
          Map.entry("mi", pow(KI, 2)),
          Map.entry("gb", pow(K, 3)),
          Map.entry("g", pow(K, 3)),
          Map.entry("gib", pow(KI, 3)),
          Map.entry("gi", pow(KI, 3)),
          Map.entry("tb", pow(K, 4)),
          Map.entry("t", pow(K, 4)),
          Map.entry("tib", pow(KI, 4)),
          Map.entry("ti", pow(KI, 4)),
          Map.entry("pb", pow(K, 5)),
          Map.entry("p", pow(K, 5)),
          Map.entry("pib", pow(KI, 5)),
          Map.entry("pi", pow(KI, 5)),
          Map.entry("eb", pow(K, 6)),
          Map.entry("e", pow(K, 6)),
          Map.entry("eib", pow(KI, 6)),
          Map.entry("ei", pow(KI, 6)));

  private UnitsBuiltins() {}

  private static BigDecimal pow(long base, int exp) {
    return BigDecimal.valueOf(base).pow(exp);
  }

  static void register(BuiltinRegistry r) {
    r.register(
        "units.parse",
        List.of(STRING),
        NUMBER,
        "Converts an amount with an SI or binary unit (m, K, Ki, M, Mi, ...) to a number.",
        (c, a) -> parse(Operands.string(a, 0)));
    r.register(
        "units.parse_bytes",
        List.of(STRING),
        NUMBER,
        "Converts an amount of bytes with a unit (KB, KiB, MB, MiB, ...) to an integer.",
        (c, a) -> parseBytes(Operands.string(a, 0)));
  }

  private static Value parse(String raw) {
    String s = raw.replace("\"", "");
    if (s.contains(" ")) {
      throw BuiltinException.error("spaces not allowed in resource strings");
    }
    String[] parts = split(s);
    if (parts[0].isEmpty()) {
      throw BuiltinException.error("no amount provided");
    }
    String unit = parts[1];
    if (unit.length() > 1) {
      unit = unit.charAt(0) + unit.substring(1).toLowerCase(Locale.ROOT);
    }
    BigDecimal multiplier = SI.get(unit);
    if (multiplier == null) {
      throw BuiltinException.error("unit " + unit + " not recognized");
    }
    BigDecimal amount = amount(parts[0], "could not parse amount to a number");
    BigDecimal result = amount.multiply(multiplier);
    if (result.stripTrailingZeros().scale() <= 0) {
      return NumberValue.of(result);
    }
    return NumberValue.of(result.setScale(10, RoundingMode.HALF_UP));
  }

  private static Value parseBytes(String raw) {
    String s = raw.toLowerCase(Locale.ROOT).replace("\"", "");
    if (s.contains(" ")) {
      throw BuiltinException.error("spaces not allowed in resource strings");
    }
    String[] parts = split(s);
    if (parts[0].isEmpty()) {
      throw BuiltinException.error("no byte amount provided");
    }
    BigDecimal multiplier = BYTES.get(parts[1]);
    if (multiplier == null) {
      throw BuiltinException.error("byte unit " + parts[1] + " not recognized");
    }
    BigDecimal amount = amount(parts[0], "could not parse byte amount to a number");
    BigDecimal product = NumberBigFloat.multiply(amount, multiplier);
    return NumberValue.of(product.setScale(0, RoundingMode.DOWN));
  }

  /**
   * Parses an amount. Its length is checked first: the pattern, on text of digits that ends in a
   * sign, used to backtrack through every way of splitting the digits before it failed, time
   * quadratic in a length only the query's size limit bounded.
   */
  private static BigDecimal amount(String text, String message) {
    NumberOperands.checkText(text);
    if (!AMOUNT.matcher(text).matches()) {
      throw BuiltinException.error(message);
    }
    return new BigDecimal(text.startsWith("+") ? text.substring(1) : text);
  }

  /** Splits into the amount (digits, '.', an exponent, signs) and the unit that follows. */
  private static String[] split(String s) {
    int firstNonNum = -1;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean numeric = (c >= '0' && c <= '9') || c == '.';
      if (!numeric && c != 'e' && c != 'E' && c != '+' && c != '-') {
        firstNonNum = i;
        break;
      }
      if (c == 'e' || c == 'E') {
        boolean next =
            i + 1 < s.length()
                && (Character.isDigit(s.charAt(i + 1))
                    || s.charAt(i + 1) == '+'
                    || s.charAt(i + 1) == '-');
        if (!next) {
          firstNonNum = i;
          break;
        }
        if (s.charAt(i + 1) == '+' || s.charAt(i + 1) == '-') {
          i++;
        }
        int start = i + 1;
        int end = start;
        while (end < s.length() && Character.isDigit(s.charAt(end))) {
          end++;
        }
        if (end - start > MAX_EXPONENT_DIGITS) {
          throw BuiltinException.error("exponent too large");
        }
      }
    }
    if (firstNonNum == -1) {
      return new String[] {s, ""};
    }
    return new String[] {s.substring(0, firstNonNum), s.substring(firstNonNum)};
  }
}
