package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.Type.ANY;
import static dev.vigil.rego.builtins.Type.BOOLEAN;
import static dev.vigil.rego.builtins.Type.NUMBER;
import static dev.vigil.rego.builtins.Type.STRING;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builtins of the Semver family. A version is {@code MAJOR.MINOR.PATCH} with an optional {@code
 * -prerelease} and {@code +metadata}, as OPA's semver package reads it (which accepts leading zeros
 * in the numbers); metadata does not take part in comparison.
 */
final class SemverBuiltins {

  private static final Pattern IDENTIFIER = Pattern.compile("[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*");
  private static final Pattern NUMBER_PART = Pattern.compile("[+-]?[0-9]+");
  private static final BigInteger MAX_INT64 = BigInteger.valueOf(Long.MAX_VALUE);

  /** A parsed version. */
  record Version(long major, long minor, long patch, String preRelease) {}

  private SemverBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "semver.is_valid",
        List.of(ANY),
        BOOLEAN,
        "Checks that a value is a string holding a valid semantic version.",
        (c, a) -> BooleanValue.of(a[0] instanceof StringValue s && parse(s.value()) != null));
    r.register(
        "semver.compare",
        List.of(STRING, STRING),
        NUMBER,
        "Compares two semantic versions: -1, 0 or 1.",
        (c, a) -> NumberValue.of(compare(version(a, 0), version(a, 1))));
  }

  private static Version version(Value[] a, int index) {
    String s = Operands.string(a, index);
    Version v = parse(s);
    if (v == null) {
      throw BuiltinException.error(
          "operand "
              + (index + 1)
              + ": string "
              + StringBuiltins.goQuote(s, false)
              + " is not a valid SemVer");
    }
    return v;
  }

  /** Parses a version, or returns null when the text is not one. */
  static Version parse(String text) {
    String rest = text;
    String metadata = "";
    int plus = rest.indexOf('+');
    if (plus >= 0) {
      metadata = rest.substring(plus + 1);
      rest = rest.substring(0, plus);
    }
    String pre = "";
    int dash = rest.indexOf('-');
    if (dash >= 0) {
      pre = rest.substring(dash + 1);
      rest = rest.substring(0, dash);
    }
    String[] parts = rest.split("\\.", 3);
    if (parts.length != 3) {
      return null;
    }
    if ((!pre.isEmpty() && !IDENTIFIER.matcher(pre).matches())
        || (!metadata.isEmpty() && !IDENTIFIER.matcher(metadata).matches())) {
      return null;
    }
    long[] nums = new long[3];
    for (int i = 0; i < 3; i++) {
      // Over 20 characters the part is past int64 anyway: refused before a slow parse.
      if (parts[i].length() > 20 || !NUMBER_PART.matcher(parts[i]).matches()) {
        return null;
      }
      BigInteger n = new BigInteger(parts[i].startsWith("+") ? parts[i].substring(1) : parts[i]);
      if (n.abs().compareTo(MAX_INT64) > 0) {
        return null;
      }
      nums[i] = n.longValue();
    }
    return new Version(nums[0], nums[1], nums[2], pre);
  }

  static int compare(Version a, Version b) {
    int c = Long.compare(a.major(), b.major());
    if (c == 0) {
      c = Long.compare(a.minor(), b.minor());
    }
    if (c == 0) {
      c = Long.compare(a.patch(), b.patch());
    }
    if (c == 0) {
      c = comparePreRelease(a.preRelease(), b.preRelease());
    }
    return Integer.signum(c);
  }

  private static int comparePreRelease(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    if (a.isEmpty()) {
      return 1;
    }
    if (b.isEmpty()) {
      return -1;
    }
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < x.length && i < y.length; i++) {
      int c = compareIdentifier(x[i], y[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  private static String stripZeros(String digits) {
    int i = 0;
    while (i < digits.length() - 1 && digits.charAt(i) == '0') {
      i++;
    }
    return digits.substring(i);
  }

  private static int compareIdentifier(String a, String b) {
    boolean an = a.chars().allMatch(Character::isDigit);
    boolean bn = b.chars().allMatch(Character::isDigit);
    if (an && bn) {
      // Compared as digit strings, not parsed: an identifier may have a million digits.
      String x = stripZeros(a);
      String y = stripZeros(b);
      return x.length() != y.length()
          ? Integer.compare(x.length(), y.length())
          : Integer.signum(x.compareTo(y));
    }
    if (an != bn) {
      return an ? -1 : 1;
    }
    return a.compareTo(b);
  }
}
