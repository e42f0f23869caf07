package dev.vigil.rego.builtins;

import dev.vigil.rego.value.NumberValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Arithmetic on numbers that are not both integers, as OPA performs it with Go's {@code big.Float}.
 *
 * <p>OPA parses each operand into a binary float with a 64-bit mantissa, rounds every result to 64
 * bits (round half to even), and prints the result as the shortest decimal that reads back to the
 * same binary value, or as the full integer when the binary value is whole. Emulating this keeps
 * results such as {@code 1 / 3} digit for digit the same as OPA's. Values are carried as exact
 * {@link BigDecimal}s of the binary floats (a binary fraction always has a finite decimal form).
 */
final class NumberBigFloat {

  static final int PRECISION = 64;

  private static final BigDecimal HALF = new BigDecimal("0.5");

  private NumberBigFloat() {}

  /** Rounds an exact decimal to the nearest binary float with a 64-bit mantissa. */
  static BigDecimal round(BigDecimal d) {
    if (d.signum() == 0) {
      return BigDecimal.ZERO;
    }
    BigInteger unscaled = d.unscaledValue();
    int scale = d.scale();
    if (scale <= 0) {
      return roundRatio(unscaled.multiply(BigInteger.TEN.pow(-scale)), BigInteger.ONE);
    }
    return roundRatio(unscaled, BigInteger.TEN.pow(scale));
  }

  /** Rounds num / den (den positive) to 64 significant bits, half to even. */
  static BigDecimal roundRatio(BigInteger num, BigInteger den) {
    int sign = num.signum();
    if (sign == 0) {
      return BigDecimal.ZERO;
    }
    BigInteger n = num.abs();
    int k = PRECISION + 2 - (n.bitLength() - den.bitLength());
    BigInteger a = k >= 0 ? n.shiftLeft(k) : n;
    BigInteger b = k < 0 ? den.shiftLeft(-k) : den;
    BigInteger[] qr = a.divideAndRemainder(b);
    BigInteger q = qr[0];
    boolean sticky = qr[1].signum() != 0;
    int extra = q.bitLength() - PRECISION;
    BigInteger mantissa = q;
    if (extra > 0) {
      mantissa = q.shiftRight(extra);
      BigInteger rest = q.subtract(mantissa.shiftLeft(extra));
      int cmp = rest.compareTo(BigInteger.ONE.shiftLeft(extra - 1));
      if (cmp > 0 || (cmp == 0 && (sticky || mantissa.testBit(0)))) {
        mantissa = mantissa.add(BigInteger.ONE);
      }
    } else {
      extra = 0;
    }
    int exp2 = extra - k;
    BigDecimal value =
        exp2 >= 0
            ? new BigDecimal(mantissa.shiftLeft(exp2))
            : new BigDecimal(mantissa.multiply(BigInteger.valueOf(5).pow(-exp2)), -exp2);
    return sign < 0 ? value.negate() : value;
  }

  static BigDecimal add(BigDecimal x, BigDecimal y) {
    return round(round(x).add(round(y)));
  }

  static BigDecimal subtract(BigDecimal x, BigDecimal y) {
    return round(round(x).subtract(round(y)));
  }

  static BigDecimal multiply(BigDecimal x, BigDecimal y) {
    return round(round(x).multiply(round(y)));
  }

  /** Divides; the caller has rejected a zero divisor. */
  static BigDecimal divide(BigDecimal x, BigDecimal y) {
    BigDecimal a = round(x);
    BigDecimal b = round(y);
    int scale = Math.max(a.scale(), b.scale());
    BigInteger num = a.movePointRight(scale).toBigIntegerExact();
    BigInteger den = b.movePointRight(scale).toBigIntegerExact();
    if (den.signum() < 0) {
      num = num.negate();
      den = den.negate();
    }
    return roundRatio(num, den);
  }

  /** Rounds half away from zero, as OPA's {@code round}. */
  static BigDecimal roundHalfAway(BigDecimal x) {
    BigDecimal f = round(x);
    BigDecimal shifted = round(f.signum() < 0 ? f.subtract(HALF) : f.add(HALF));
    return new BigDecimal(shifted.toBigInteger());
  }

  /**
   * Rounds up as OPA does: truncate toward zero, then add one unless the truncated value is
   * negative or exact. So, like OPA, {@code ceil(-0.5)} is 1.
   */
  static BigDecimal ceil(BigDecimal x) {
    BigDecimal f = round(x);
    BigDecimal t = f.setScale(0, RoundingMode.DOWN);
    if (t.signum() < 0 || t.compareTo(f) == 0) {
      return t;
    }
    return t.add(BigDecimal.ONE);
  }

  /**
   * Rounds down as OPA does: truncate toward zero, then subtract one unless the truncated value is
   * non-negative or exact. So, like OPA, {@code floor(-0.5)} is 0.
   */
  static BigDecimal floor(BigDecimal x) {
    BigDecimal f = round(x);
    BigDecimal t = f.setScale(0, RoundingMode.DOWN);
    if (t.signum() >= 0 || t.compareTo(f) == 0) {
      return t;
    }
    return t.subtract(BigDecimal.ONE);
  }

  /**
   * Returns the number OPA prints for a binary float: the whole value when it is an integer,
   * otherwise the shortest decimal that rounds back to it.
   */
  static NumberValue toNumber(BigDecimal binary) {
    if (binary.signum() == 0 || binary.stripTrailingZeros().scale() <= 0) {
      return NumberValue.of(binary);
    }
    for (int digits = 1; digits < 40; digits++) {
      BigDecimal candidate = binary.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (round(candidate).compareTo(binary) == 0) {
        return NumberValue.of(candidate);
      }
    }
    return NumberValue.of(binary);
  }
}
