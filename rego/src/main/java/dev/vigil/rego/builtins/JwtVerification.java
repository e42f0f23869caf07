package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigDecimal;
import java.util.List;

/**
 * {@code io.jwt.decode_verify}: checks a token's signature with the constrained key, then its
 * registered claims (RFC 7519 section 4.1) against the constraints and the time. A failed check
 * gives {@code [false, {}, {}]}; malformed tokens and constraints are errors.
 */
final class JwtVerification {

  private static final Value UNVERIFIED =
      ArrayValue.of(BooleanValue.FALSE, ObjectValue.EMPTY, ObjectValue.EMPTY);

  private JwtVerification() {}

  /** The parsed constraints object; time is in nanoseconds. */
  private static final class Constraints {
    List<JwtKeys.VerificationKey> keys;
    String secret = "";
    String alg = "";
    String iss = "";
    String aud = "";
    double time = -1;
  }

  static Value decodeVerify(
      BuiltinContext ctx, String token, ObjectValue constraintsObject, long nowNanos) {
    Constraints c = parse(ctx, constraintsObject, nowNanos);
    ObjectValue header;
    ObjectValue payload;
    String current = token;
    while (true) {
      JwtToken t = JwtToken.split(current);
      ObjectValue decodedHeader = t.decodedHeader();
      JwtToken.Header h = JwtToken.Header.of(decodedHeader);
      if (!h.valid() || (!c.alg.isEmpty() && !c.alg.equals(h.alg()))) {
        return UNVERIFIED;
      }
      byte[] signature = t.decodedSignature();
      if (!verified(ctx, c, h, t.signingInput(), signature)) {
        return UNVERIFIED;
      }
      String p = t.decodedPayload();
      if (h.cty().equalsIgnoreCase("JWT")) {
        current = p;
        continue;
      }
      payload = JwtToken.jsonObject(p, "");
      header = decodedHeader;
      break;
    }
    if (!claimsHold(c, payload)) {
      return UNVERIFIED;
    }
    return ArrayValue.of(BooleanValue.TRUE, header, payload);
  }

  /**
   * Reads the constraints in the order of their names, as OPA reports the first unknown one; the
   * sort of the names is charged to {@code ctx}.
   */
  private static Constraints parse(BuiltinContext ctx, ObjectValue o, long nowNanos) {
    Constraints c = new Constraints();
    for (Value k : o.keys(ctx::charge)) {
      String name = k instanceof StringValue s ? s.value() : k.toString();
      Value v = o.get(k);
      switch (name) {
        case "cert" -> {
          if (!(v instanceof StringValue s)) {
            throw BuiltinException.error("cert constraint: must be a string");
          }
          c.keys = JwtKeys.verificationKeys(ctx, s.value());
        }
        case "secret" -> c.secret = string(name, v);
        case "alg" -> c.alg = string(name, v);
        case "iss" -> c.iss = string(name, v);
        case "aud" -> c.aud = string(name, v);
        case "time" -> c.time = time(v);
        default -> throw BuiltinException.error("unknown token validation constraint: " + name);
      }
    }
    if (c.time == -1) {
      c.time = time(NumberValue.of(nowNanos));
    }
    int keys = (c.keys != null ? 1 : 0) + (c.secret.isEmpty() ? 0 : 1);
    if (keys > 1) {
      throw BuiltinException.error("duplicate key constraints");
    }
    if (keys < 1) {
      throw BuiltinException.error("no key constraint");
    }
    return c;
  }

  private static String string(String name, Value v) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.error(name + " constraint: must be a string");
  }

  private static double time(Value v) {
    if (!(v instanceof NumberValue n)) {
      throw BuiltinException.error("token time constraint: must be a number");
    }
    double d = n.doubleValue();
    if (Double.isInfinite(d) || Double.isNaN(d)) {
      throw BuiltinException.error("token time constraint: unvalid float64");
    }
    if (d < 0) {
      throw BuiltinException.error("token time constraint: must not be negative");
    }
    return d;
  }

  /**
   * Verifies with the trusted key(s) or the secret, using the header's algorithm; each signature
   * check is charged to {@code ctx} ({@link JwtAlgorithms#VERIFY_UNITS}).
   */
  private static boolean verified(
      BuiltinContext ctx, Constraints c, JwtToken.Header h, byte[] input, byte[] signature) {
    if (c.keys != null) {
      if (!h.kid().isEmpty()) {
        for (JwtKeys.VerificationKey k : c.keys) {
          if (k.kid().equals(h.kid())) {
            ctx.charge(JwtAlgorithms.VERIFY_UNITS);
            return known(h.alg()) && JwtAlgorithms.verify(h.alg(), k.key(), input, signature);
          }
        }
      }
      for (JwtKeys.VerificationKey k : c.keys) {
        if (!k.alg().isEmpty() && !k.alg().equals(h.alg())) {
          continue;
        }
        ctx.charge(JwtAlgorithms.VERIFY_UNITS);
        if (known(h.alg()) && JwtAlgorithms.verify(h.alg(), k.key(), input, signature)) {
          return true;
        }
      }
      return false;
    }
    return known(h.alg())
        && JwtAlgorithms.verify(h.alg(), CryptoBuiltins.utf8(c.secret), input, signature);
  }

  private static boolean known(String alg) {
    return JwtAlgorithms.KNOWN.contains(alg);
  }

  private static boolean claimsHold(Constraints c, ObjectValue payload) {
    if (!c.iss.isEmpty()
        && !(payload.get("iss") instanceof StringValue iss && iss.value().equals(c.iss))) {
      return false;
    }
    Value aud = payload.get("aud");
    if (aud != null ? !audienceMatches(aud, c.aud) : !c.aud.isEmpty()) {
      return false;
    }
    NumberValue now = NumberValue.of(new BigDecimal(Double.toString(c.time / 1_000_000_000d)));
    Value exp = payload.get("exp");
    if (exp != null) {
      if (!(exp instanceof NumberValue e)) {
        throw BuiltinException.error("exp value must be a number");
      }
      if (now.bigDecimal().compareTo(e.bigDecimal()) >= 0) {
        return false;
      }
    }
    Value nbf = payload.get("nbf");
    if (nbf != null) {
      if (!(nbf instanceof NumberValue n)) {
        throw BuiltinException.error("nbf value must be a number");
      }
      if (now.bigDecimal().compareTo(n.bigDecimal()) < 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean audienceMatches(Value aud, String wanted) {
    if (aud instanceof StringValue s) {
      return s.value().equals(wanted);
    }
    if (aud instanceof ArrayValue a) {
      for (Value e : a.elements()) {
        if (e instanceof StringValue s && s.value().equals(wanted)) {
          return true;
        }
      }
    }
    return false;
  }
}
