package dev.vigil.rego.value;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An exact number: integers of any size and decimals, as OPA keeps JSON numbers.
 *
 * <p>The decimal is held in its canonical form (trailing zeros stripped), so {@code 1}, {@code 1.0}
 * and {@code 1e0} are one value with one hash code. Small integers are cached.
 */
public final class NumberValue implements Value {

  private static final int CACHE_LOW = -128;
  private static final int CACHE_HIGH = 1024;
  private static final NumberValue[] CACHE = new NumberValue[CACHE_HIGH - CACHE_LOW + 1];

  static {
    for (int i = CACHE_LOW; i <= CACHE_HIGH; i++) {
      CACHE[i - CACHE_LOW] = new NumberValue(BigDecimal.valueOf(i).stripTrailingZeros());
    }
  }

  public static final NumberValue ZERO = of(0);
  public static final NumberValue ONE = of(1);

  private final BigDecimal value;

  /** The keyed hash code ({@link ValueHash}), computed when first asked for; 0 until then. */
  private int hash;

  /**
   * The length of {@link #toString()}, computed when first asked for; 0 until then. An int, so that
   * threads sharing the number read it whole (a racing thread computes the same length again).
   */
  private int written;

  private NumberValue(BigDecimal canonical) {
    this.value = canonical;
  }

  public static NumberValue of(long n) {
    if (n >= CACHE_LOW && n <= CACHE_HIGH) {
      return CACHE[(int) n - CACHE_LOW];
    }
    return new NumberValue(BigDecimal.valueOf(n).stripTrailingZeros());
  }

  public static NumberValue of(BigInteger n) {
    if (n.bitLength() < 63) {
      return of(n.longValue());
    }
    return new NumberValue(new BigDecimal(n).stripTrailingZeros());
  }

  public static NumberValue of(BigDecimal n) {
    BigDecimal canonical = n.signum() == 0 ? BigDecimal.ZERO : n.stripTrailingZeros();
    if (canonical.scale() <= 0 && canonical.precision() - canonical.scale() < 5) {
      int i = canonical.intValue();
      if (i >= CACHE_LOW && i <= CACHE_HIGH) {
        return CACHE[i - CACHE_LOW];
      }
    }
    return new NumberValue(canonical);
  }

  /**
   * Returns the number a finite double holds, or throws {@link ArithmeticException} for NaN and the
   * infinities, which have no JSON form.
   */
  public static NumberValue of(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      throw new ArithmeticException("number is not finite: " + d);
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return of((long) d);
    }
    return of(new BigDecimal(Double.toString(d)));
  }

  /**
   * Parses JSON number text (also accepts a leading {@code +} and surrounding digits as Go's {@code
   * strconv} would not; callers that need strict JSON check the text first).
   *
   * @throws NumberFormatException when the text is not a number
   */
  public static NumberValue parse(String text) {
    return of(new BigDecimal(text));
  }

  /** Returns the exact decimal value in canonical form. */
  public BigDecimal bigDecimal() {
    return value;
  }

  /** Returns true when this number has no fractional part. */
  public boolean isInteger() {
    return value.scale() <= 0;
  }

  /** Returns the integer value, or throws {@link ArithmeticException} if not an integer. */
  public BigInteger bigInteger() {
    return value.toBigIntegerExact();
  }

  /** Returns the value as an int when it is an integer that fits, otherwise null. */
  public Integer intValueExact() {
    if (!isInteger()) {
      return null;
    }
    try {
      return value.intValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  /** Returns the value as a long when it is an integer that fits, otherwise null. */
  public Long longValueExact() {
    if (!isInteger()) {
      return null;
    }
    try {
      return value.longValueExact();
    } catch (ArithmeticException e) {
      return null;
    }
  }

  public double doubleValue() {
    return value.doubleValue();
  }

  public int signum() {
    return value.signum();
  }

  @Override
  public String typeName() {
    return "number";
  }

  @Override
  public int kindOrder() {
    return 2;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NumberValue n && n.value.equals(value);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = ValueHash.number(value);
      hash = h;
    }
    return h;
  }

  /**
   * Returns the length of this number's JSON text ({@link #toString()}) without writing it, or one
   * less for numbers of more than 18 digits, whose digits are counted from their bit length.
   * Numbers are charged this length against a query's size limit: a number of a million digits
   * costs as much to write out, compare or copy as a string of a million characters.
   */
  public long writtenLength() {
    int w = written;
    if (w == 0) {
      w = (int) Math.min(Integer.MAX_VALUE, computeWrittenLength());
      written = w;
    }
    return w;
  }

  private long computeWrittenLength() {
    BigInteger unscaled = value.unscaledValue();
    long digits =
        unscaled.bitLength() < 63
            ? value.precision()
            : Math.max(1, (long) (unscaled.bitLength() * 0.30102999566398114));
    long sign = value.signum() < 0 ? 1 : 0;
    long scale = value.scale();
    if (scale <= 0 && scale > -400) {
      return sign + digits - scale;
    }
    if (scale > 0 && scale < 400) {
      return sign + (digits > scale ? digits + 1 : scale + 2);
    }
    long exponent = digits - 1 - scale;
    long exponentDigits = String.valueOf(Math.abs(exponent)).length();
    return sign + digits + (digits > 1 ? 1 : 0) + 2 + exponentDigits;
  }

  /** Returns the number as JSON text: integers in full, decimals in plain notation. */
  @Override
  public String toString() {
    if (value.scale() <= 0 && value.scale() > -400) {
      return value.toBigInteger().toString();
    }
    if (value.scale() > 0 && value.scale() < 400) {
      return value.toPlainString();
    }
    return value.toString().replace("E+", "e+").replace("E-", "e-");
  }
}
