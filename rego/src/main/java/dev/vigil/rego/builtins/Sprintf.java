package dev.vigil.rego.builtins;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Formats like Go's {@code fmt.Sprintf}, for the argument kinds OPA's {@code sprintf} passes: Go
 * {@code int} (a {@link Long}), {@code *big.Int} (a {@link BigInteger}), {@code float64} (a {@link
 * Double}) and {@code string}.
 *
 * <p>The format is read left to right. Each directive is {@code %}, flags ({@code #0+- }), an
 * optional argument index {@code [n]}, a width and a precision (digits or {@code *}), and a verb.
 * Mistakes are written into the output as Go writes them, never thrown: {@code %!d(string=x)} for a
 * verb that does not fit the argument, {@code %!d(MISSING)}, {@code %!(EXTRA int=1)}, {@code
 * %!(NOVERB)}, {@code %!(BADWIDTH)}, {@code %!(BADPREC)} and {@code %!d(BADINDEX)}.
 */
final class Sprintf {

  /** A value of a named Go string type, such as {@code json.Number}: formatted as a string. */
  record NamedString(String goType, String value) {}

  private final String format;
  private final List<Object> args;
  private final StringBuilder out = new StringBuilder();
  private final java.util.function.LongConsumer grown;

  private boolean sharp;
  private boolean zero;
  private boolean plus;
  private boolean minus;
  private boolean space;
  private int width;
  private boolean widthPresent;
  private int precision;
  private boolean precisionPresent;

  private Sprintf(String format, List<Object> args, java.util.function.LongConsumer grown) {
    this.format = format;
    this.args = args;
    this.grown = grown;
  }

  /** Formats the arguments; each is a Long, BigInteger, Double or String. */
  static String format(String format, List<Object> args) {
    return format(format, args, length -> {});
  }

  /**
   * Formats the arguments, telling {@code grown} the length of the text after each verb and each
   * run of literal text, so that it can stop text that grows past a limit by throwing: one verb
   * writes at most its argument, padded to a width of at most a million.
   */
  static String format(String format, List<Object> args, java.util.function.LongConsumer grown) {
    return new Sprintf(format, args, grown).run();
  }

  private String run() {
    int argNum = 0;
    boolean reordered = false;
    int i = 0;
    int end = format.length();
    while (i < end) {
      int pct = format.indexOf('%', i);
      if (pct < 0) {
        out.append(format, i, end);
        break;
      }
      out.append(format, i, pct);
      i = pct + 1;
      clearFlags();
      flags:
      while (i < end) {
        switch (format.charAt(i)) {
          case '#' -> sharp = true;
          case '0' -> zero = true;
          case '+' -> plus = true;
          case '-' -> minus = true;
          case ' ' -> space = true;
          default -> {
            break flags;
          }
        }
        i++;
      }
      boolean goodIndex = true;
      int[] idx = argIndex(i, argNum);
      if (idx != null) {
        i = idx[0];
        argNum = idx[1];
        goodIndex = idx[2] == 1;
        reordered = true;
      }
      if (i < end && format.charAt(i) == '*') {
        i++;
        Integer w = intArg(argNum);
        argNum++;
        if (w == null) {
          out.append("%!(BADWIDTH)");
        } else {
          width = w;
          widthPresent = true;
          if (width < 0) {
            minus = true;
            width = -width;
          }
        }
      } else {
        int start = i;
        while (i < end && Character.isDigit(format.charAt(i))) {
          i++;
        }
        if (i > start) {
          width = parseSmall(format.substring(start, i));
          widthPresent = true;
        }
      }
      if (i < end && format.charAt(i) == '.') {
        i++;
        idx = argIndex(i, argNum);
        if (idx != null) {
          i = idx[0];
          argNum = idx[1];
          goodIndex = goodIndex && idx[2] == 1;
          reordered = true;
        }
        if (i < end && format.charAt(i) == '*') {
          i++;
          Integer p = intArg(argNum);
          argNum++;
          if (p == null || p < 0) {
            out.append("%!(BADPREC)");
          } else {
            precision = p;
            precisionPresent = true;
          }
        } else {
          int start = i;
          while (i < end && Character.isDigit(format.charAt(i))) {
            i++;
          }
          precision = i > start ? parseSmall(format.substring(start, i)) : 0;
          precisionPresent = true;
        }
      }
      idx = argIndex(i, argNum);
      if (idx != null) {
        i = idx[0];
        argNum = idx[1];
        goodIndex = goodIndex && idx[2] == 1;
        reordered = true;
      }
      if (i >= end) {
        out.append("%!(NOVERB)");
        break;
      }
      int verb = format.codePointAt(i);
      i += Character.charCount(verb);
      if (verb == '%') {
        out.append('%');
      } else if (!goodIndex) {
        out.append("%!").appendCodePoint(verb).append("(BADINDEX)");
      } else if (argNum >= args.size()) {
        out.append("%!").appendCodePoint(verb).append("(MISSING)");
      } else {
        printArg(args.get(argNum), verb);
        argNum++;
      }
      grown.accept(out.length());
    }
    if (!reordered && argNum < args.size()) {
      clearFlags();
      out.append("%!(EXTRA ");
      for (int k = argNum; k < args.size(); k++) {
        if (k > argNum) {
          out.append(", ");
        }
        Object a = args.get(k);
        out.append(typeName(a)).append('=');
        printArg(a, 'v');
        grown.accept(out.length());
      }
      out.append(')');
    }
    return out.toString();
  }

  private static int parseSmall(String digits) {
    return digits.length() > 6 ? 1_000_000 : Integer.parseInt(digits);
  }

  /** Parses {@code [n]} at i: returns {next index, new argNum, 1 if valid else 0}, or null. */
  private int[] argIndex(int i, int argNum) {
    if (i >= format.length() || format.charAt(i) != '[') {
      return null;
    }
    int close = format.indexOf(']', i);
    if (close < 0) {
      return new int[] {format.length(), argNum, 0};
    }
    String digits = format.substring(i + 1, close);
    if (!digits.matches("[0-9]{1,6}")) {
      return new int[] {close + 1, argNum, 0};
    }
    int n = Integer.parseInt(digits);
    if (n < 1 || n > args.size()) {
      return new int[] {close + 1, argNum, 0};
    }
    return new int[] {close + 1, n - 1, 1};
  }

  private Integer intArg(int argNum) {
    if (argNum < args.size() && args.get(argNum) instanceof Long l && Math.abs(l) <= 1_000_000) {
      return l.intValue();
    }
    return null;
  }

  private void clearFlags() {
    sharp = zero = plus = minus = space = false;
    width = precision = 0;
    widthPresent = precisionPresent = false;
  }

  static String typeName(Object a) {
    return switch (a) {
      case Long l -> "int";
      case BigInteger b -> "*big.Int";
      case Double d -> "float64";
      case NamedString n -> n.goType();
      default -> "string";
    };
  }

  private void printArg(Object arg, int verb) {
    if (verb == 'T') {
      padString(typeName(arg));
      return;
    }
    switch (arg) {
      case Long l -> formatInteger(BigInteger.valueOf(l), verb, false);
      case BigInteger b -> formatInteger(b, verb, true);
      case Double d -> formatFloat(d, verb);
      case NamedString n -> formatString(n.value(), verb, n);
      default -> formatString((String) arg, verb, arg);
    }
  }

  private void badVerb(Object arg, int verb) {
    boolean savedSharp = sharp;
    clearFlags();
    out.append("%!").appendCodePoint(verb).append('(');
    if (arg instanceof BigInteger b) {
      out.append("big.Int=").append(b);
    } else {
      out.append(typeName(arg)).append('=');
      printArg(arg, 'v');
    }
    out.append(')');
    sharp = savedSharp;
  }

  // ---- integers ----

  private void formatInteger(BigInteger v, int verb, boolean big) {
    int base;
    switch (verb) {
      case 'v', 'd', 's' -> {
        if (verb == 's' && !big) {
          badVerb(v.longValue(), verb);
          return;
        }
        base = 10;
      }
      case 'b' -> base = 2;
      case 'o', 'O' -> base = 8;
      case 'x', 'X' -> base = 16;
      case 'c', 'q', 'U' -> {
        if (big) {
          badVerb(v, verb);
        } else {
          formatRune(v.longValue(), verb);
        }
        return;
      }
      default -> {
        badVerb(big ? v : (Object) v.longValue(), verb);
        return;
      }
    }
    boolean negative = v.signum() < 0;
    String digits = v.abs().toString(base);
    if (verb == 'X') {
      digits = digits.toUpperCase(java.util.Locale.ROOT);
    }
    int prec = 0;
    if (precisionPresent) {
      prec = precision;
      if (prec == 0 && v.signum() == 0) {
        writePadding(width, ' ');
        return;
      }
    } else if (zero && !minus && widthPresent) {
      prec = width;
      if (negative || plus || space) {
        prec--;
      }
    }
    StringBuilder s = new StringBuilder();
    for (int k = digits.length(); k < prec; k++) {
      s.append('0');
    }
    s.append(digits);
    if (sharp || verb == 'O') {
      switch (verb) {
        case 'b' -> s.insert(0, "0b");
        case 'o' -> {
          if (s.charAt(0) != '0') {
            s.insert(0, '0');
          }
        }
        case 'O' -> s.insert(0, "0o");
        case 'x' -> s.insert(0, "0x");
        case 'X' -> s.insert(0, "0X");
        default -> {}
      }
    }
    if (negative) {
      s.insert(0, '-');
    } else if (plus) {
      s.insert(0, '+');
    } else if (space) {
      s.insert(0, ' ');
    }
    pad(s.toString(), ' ');
  }

  private void formatRune(long v, int verb) {
    int cp =
        v < 0 || v > Character.MAX_CODE_POINT || (v >= 0xD800 && v <= 0xDFFF) ? 0xFFFD : (int) v;
    switch (verb) {
      case 'c' -> pad(new String(Character.toChars(cp)), ' ');
      case 'q' -> pad(StringBuiltins.goQuoteRune(cp, plus), ' ');
      default -> {
        String hex = Long.toHexString(v).toUpperCase(java.util.Locale.ROOT);
        StringBuilder s = new StringBuilder("U+");
        int minDigits = precisionPresent && precision > 4 ? precision : 4;
        for (int k = hex.length(); k < minDigits; k++) {
          s.append('0');
        }
        s.append(hex);
        if (sharp && v >= 0 && v <= Character.MAX_CODE_POINT && Character.isDefined(cp)) {
          s.append(" '").appendCodePoint(cp).append('\'');
        }
        pad(s.toString(), ' ');
      }
    }
  }

  // ---- strings ----

  private void formatString(String s, int verb, Object arg) {
    switch (verb) {
      case 'v', 's' -> {
        if (verb == 'v' && sharp) {
          pad(StringBuiltins.goQuote(truncate(s), false), ' ');
        } else {
          padString(truncate(s));
        }
      }
      case 'x', 'X' -> formatHex(s, verb == 'X');
      case 'q' -> {
        String t = truncate(s);
        if (sharp && canBackquote(t)) {
          pad("`" + t + "`", ' ');
        } else {
          pad(StringBuiltins.goQuote(t, plus), ' ');
        }
      }
      default -> badVerb(arg, verb);
    }
  }

  private String truncate(String s) {
    if (!precisionPresent || s.codePointCount(0, s.length()) <= precision) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, precision));
  }

  private void formatHex(String s, boolean upper) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int n = precisionPresent ? Math.min(precision, bytes.length) : bytes.length;
    String digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    StringBuilder b = new StringBuilder();
    if (n == 0) {
      writePadding(width, ' ');
      return;
    }
    if (sharp) {
      b.append(upper ? "0X" : "0x");
    }
    for (int k = 0; k < n; k++) {
      if (space && k > 0) {
        b.append(' ');
        if (sharp) {
          b.append(upper ? "0X" : "0x");
        }
      }
      b.append(digits.charAt((bytes[k] >> 4) & 0xF)).append(digits.charAt(bytes[k] & 0xF));
    }
    pad(b.toString(), ' ');
  }

  private static boolean canBackquote(String s) {
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '`' || c == '\uFEFF' || (c < ' ' && c != '\t') || c == 0x7F) {
        return false;
      }
    }
    return true;
  }

  // ---- floats ----

  private void formatFloat(double v, int verb) {
    int prec = precisionPresent ? precision : -1;
    char fmt;
    switch (verb) {
      case 'v' -> fmt = 'g';
      case 'g', 'G' -> fmt = (char) verb;
      case 'e', 'E', 'f', 'F' -> {
        fmt = (char) verb;
        if (prec < 0) {
          prec = 6;
        }
      }
      case 'x', 'X' -> fmt = (char) verb;
      default -> {
        badVerb(v, verb);
        return;
      }
    }
    String num =
        fmt == 'x' || fmt == 'X'
            ? hexFloat(Math.abs(v), fmt == 'X')
            : formatFloatNumber(Math.abs(v), fmt, prec);
    if (sharp && fmt != 'f' && fmt != 'F' && !num.contains(".")) {
      int e = num.indexOf(fmt == 'E' || fmt == 'G' ? 'E' : 'e');
      num = e < 0 ? num + "." : num.substring(0, e) + "." + num.substring(e);
    }
    String sign = (v < 0 || (v == 0 && 1 / v < 0)) ? "-" : plus ? "+" : space ? " " : "";
    if (zero && widthPresent && !minus && width > sign.length() + num.length()) {
      StringBuilder b = new StringBuilder(sign);
      for (int k = sign.length() + num.length(); k < width; k++) {
        b.append('0');
      }
      out.append(b).append(num);
      return;
    }
    pad(sign + num, ' ');
  }

  /** The decimal digits of a float and the position of its decimal point: 0.DIGITS x 10^dp. */
  private record Digits(String d, int dp) {
    static Digits of(BigDecimal x) {
      if (x.signum() == 0) {
        return new Digits("", 0);
      }
      BigDecimal s = x.stripTrailingZeros();
      String d = s.unscaledValue().toString();
      return new Digits(d, d.length() - s.scale());
    }
  }

  /** Formats a non-negative float as strconv.FormatFloat(v, fmt, prec, 64) does. */
  static String formatFloatNumber(double v, char fmt, int prec) {
    BigDecimal exact = new BigDecimal(v);
    boolean shortest = prec < 0;
    Digits digs;
    char lower = Character.toLowerCase(fmt);
    if (shortest) {
      digs = Digits.of(v == 0 ? BigDecimal.ZERO : new BigDecimal(Double.toString(v)));
      prec =
          switch (lower) {
            case 'e' -> Math.max(digs.d().length() - 1, 0);
            case 'f' -> Math.max(digs.d().length() - digs.dp(), 0);
            default -> digs.d().length();
          };
    } else if (lower == 'e') {
      digs = roundSignificant(exact, prec + 1);
    } else if (lower == 'f') {
      digs = Digits.of(exact.setScale(prec, RoundingMode.HALF_EVEN));
    } else {
      if (prec == 0) {
        prec = 1;
      }
      digs = roundSignificant(exact, prec);
    }
    if (lower == 'e') {
      return fmtE(digs, prec, fmt);
    }
    if (lower == 'f') {
      return fmtF(digs, prec);
    }
    int eprec = prec;
    if (eprec > digs.d().length() && digs.d().length() >= digs.dp()) {
      eprec = digs.d().length();
    }
    if (shortest) {
      eprec = 6;
    }
    int exp = digs.dp() - 1;
    if (exp < -4 || exp >= eprec) {
      if (prec > digs.d().length()) {
        prec = digs.d().length();
      }
      return fmtE(digs, prec - 1, fmt == 'G' ? 'E' : 'e');
    }
    if (prec > digs.dp()) {
      prec = digs.d().length();
    }
    return fmtF(digs, Math.max(prec - digs.dp(), 0));
  }

  /**
   * Formats a non-negative float in Go's shortest hexadecimal form, {@code 0x1.8p+00}. Precision is
   * not applied: Vigil writes every hexadecimal digit the value needs.
   */
  static String hexFloat(double v, boolean upper) {
    String s;
    if (v == 0) {
      s = "0x0p+00";
    } else {
      int exp = Math.getExponent(v);
      long mantissa = Double.doubleToRawLongBits(v) & ((1L << 52) - 1);
      if (exp < Double.MIN_EXPONENT) {
        int shift = Long.numberOfLeadingZeros(mantissa) - 11;
        mantissa = (mantissa << shift) & ((1L << 52) - 1);
        exp = Double.MIN_EXPONENT - shift;
      }
      String frac = String.format("%013x", mantissa).replaceAll("0+$", "");
      String e = Integer.toString(Math.abs(exp));
      s =
          "0x1"
              + (frac.isEmpty() ? "" : "." + frac)
              + "p"
              + (exp < 0 ? "-" : "+")
              + (e.length() < 2 ? "0" : "")
              + e;
    }
    return upper ? s.toUpperCase(java.util.Locale.ROOT) : s;
  }

  private static Digits roundSignificant(BigDecimal exact, int digits) {
    if (exact.signum() == 0) {
      return new Digits("", 0);
    }
    return Digits.of(exact.round(new MathContext(digits, RoundingMode.HALF_EVEN)));
  }

  private static String fmtE(Digits digs, int prec, char e) {
    StringBuilder b = new StringBuilder();
    String d = digs.d();
    b.append(d.isEmpty() ? '0' : d.charAt(0));
    if (prec > 0) {
      b.append('.');
      for (int k = 1; k <= prec; k++) {
        b.append(k < d.length() ? d.charAt(k) : '0');
      }
    }
    int exp = d.isEmpty() ? 0 : digs.dp() - 1;
    b.append(e).append(exp < 0 ? '-' : '+');
    exp = Math.abs(exp);
    if (exp < 10) {
      b.append('0');
    }
    return b.append(exp).toString();
  }

  private static String fmtF(Digits digs, int prec) {
    StringBuilder b = new StringBuilder();
    String d = digs.d();
    if (digs.dp() > 0) {
      for (int k = 0; k < digs.dp(); k++) {
        b.append(k < d.length() ? d.charAt(k) : '0');
      }
    } else {
      b.append('0');
    }
    if (prec > 0) {
      b.append('.');
      for (int k = 1; k <= prec; k++) {
        int j = digs.dp() + k - 1;
        b.append(j >= 0 && j < d.length() ? d.charAt(j) : '0');
      }
    }
    return b.toString();
  }

  // ---- padding ----

  private void padString(String s) {
    pad(s, zero && !minus ? '0' : ' ');
  }

  private void pad(String s, char padChar) {
    int n = s.codePointCount(0, s.length());
    if (!widthPresent || n >= width) {
      out.append(s);
      return;
    }
    if (minus) {
      out.append(s);
      writePadding(width - n, ' ');
    } else {
      writePadding(width - n, padChar);
      out.append(s);
    }
  }

  private void writePadding(int n, char c) {
    for (int k = 0; k < n; k++) {
      out.append(c);
    }
  }
}
