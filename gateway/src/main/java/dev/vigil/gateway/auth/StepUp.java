package dev.vigil.gateway.auth;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;

/**
 * What a policy's {@code step_up} obligation asks of the caller's authentication: a second factor,
 * an authentication no older than {@code max_age} seconds, or both.
 *
 * <p>The obligation is a string (any, {@code "mfa"} by convention: a second factor, whenever it was
 * shown) or an object {@code {"mfa": true, "max_age": 300}}, where {@code mfa} defaults to true and
 * {@code max_age} (whole seconds, 0 or more) to no limit; {@code mfa: false} needs a {@code
 * max_age}. Anything else is refused, naming what is wrong: an obligation the gateway does not
 * understand is never read as a weaker one.
 *
 * @param mfa true when a second factor must have been shown
 * @param maxAge the most seconds since the authentication ({@code auth_time}), or {@link #ANY_AGE}
 */
public record StepUp(boolean mfa, long maxAge) {

  /** No limit on the age of the authentication. */
  public static final long ANY_AGE = -1;

  /** A second factor, however long ago: the meaning of {@code "step_up": "mfa"}. */
  public static final StepUp MFA = new StepUp(true, ANY_AGE);

  public StepUp {
    if (maxAge < ANY_AGE) {
      throw new IllegalArgumentException("max_age must be 0 or more seconds, not " + maxAge);
    }
  }

  /**
   * Reads a {@code step_up} obligation.
   *
   * @throws IllegalArgumentException naming the field and the value that cannot be read
   */
  public static StepUp of(Value obligation) {
    if (obligation instanceof StringValue) {
      return MFA;
    }
    if (!(obligation instanceof ObjectValue o)) {
      throw new IllegalArgumentException(
          "step_up must be a string or an object, not " + Json.write(obligation));
    }
    boolean mfa = true;
    long maxAge = ANY_AGE;
    for (Value k : o.keys()) {
      String key = k instanceof StringValue s ? s.value() : Json.write(k);
      Value v = o.get(k);
      switch (key) {
        case "mfa" -> {
          if (!(v instanceof BooleanValue b)) {
            throw new IllegalArgumentException(
                "step_up.mfa must be true or false, not " + Json.write(v));
          }
          mfa = b == BooleanValue.TRUE;
        }
        case "max_age" -> {
          Long n = v instanceof NumberValue num ? num.longValueExact() : null;
          if (n == null || n < 0) {
            throw new IllegalArgumentException(
                "step_up.max_age must be a whole number of seconds, 0 or more, not "
                    + Json.write(v));
          }
          maxAge = n;
        }
        default ->
            throw new IllegalArgumentException(
                "step_up has an unknown field \"" + key + "\" (known: mfa, max_age)");
      }
    }
    if (!mfa && maxAge == ANY_AGE) {
      // Every session would meet it: most likely a max_age left out, not a wish to ask nothing.
      throw new IllegalArgumentException("step_up asks nothing: with mfa false, max_age is needed");
    }
    return new StepUp(mfa, maxAge);
  }

  /** Returns true when {@link #maxAge} limits the age of the authentication. */
  public boolean limitsAge() {
    return maxAge != ANY_AGE;
  }

  /**
   * The seconds by which a provider's {@code auth_time} may come before the start of the step-up
   * round that asked for it and still count as within its {@code max_age}: the provider's clock and
   * the gateway's may differ by this much, and a provider that re-authenticates silently may report
   * the second it began.
   */
  public static final long CLOCK_SKEW_S = 5;

  /**
   * The seconds after the gateway confirmed a fresh authentication (a step-up round's callback, a
   * TOTP step-up, a local sign-in) during which it meets a step-up of that {@code max_age} or a
   * longer one, whatever {@code auth_time} says: the browser's way back to the page that asked.
   */
  public static final long RETURN_S = 5;

  /**
   * Returns true when {@code s} already meets this at {@code now} (epoch seconds): a second factor
   * where asked, and an authentication no older than {@code max_age}, or one the gateway confirmed
   * fresh for this {@code max_age} (or a shorter one) at most {@link #RETURN_S} ago.
   *
   * <p>The second way is what keeps a step-up round from looping. With {@code max_age} 0 (or one
   * shorter than a round takes), a session fresh from the provider is already older than asked when
   * the browser comes back: were it asked again, a provider that re-authenticates silently would
   * answer at once, and the browser would go round for ever. Met, the request is decided by the
   * policy alone: it passes, or it is refused once, 403.
   */
  public boolean metBy(Session s, long now) {
    return (!mfa || s.mfa())
        && (!limitsAge() || now - s.authTime() <= maxAge || confirmedFor(s, now));
  }

  private boolean confirmedFor(Session s, long now) {
    return s.confirmedAt() > 0
        && s.confirmedMaxAge() != ANY_AGE
        && s.confirmedMaxAge() <= maxAge
        && now - s.confirmedAt() <= RETURN_S;
  }

  /** Says what is asked, for the caller: "a second factor within the last 300 s". */
  public String describe() {
    String what = mfa ? "a second factor" : "a sign-in";
    return limitsAge() ? what + " within the last " + maxAge + " s" : what;
  }
}
