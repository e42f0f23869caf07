package dev.vigil.identity;

/**
 * A SPIFFE ID or trust domain name that breaks the SPIFFE ID specification. The message quotes the
 * input and says what is wrong; {@link #problem()} is a stable code for tests and callers.
 */
public final class SpiffeIdException extends IllegalArgumentException {

  /** What is wrong with the input. */
  public enum Problem {
    EMPTY,
    TOO_LONG,
    WRONG_SCHEME,
    UPPER_CASE_SCHEME,
    MISSING_TRUST_DOMAIN,
    TRUST_DOMAIN_TOO_LONG,
    UPPER_CASE_TRUST_DOMAIN,
    BAD_TRUST_DOMAIN_CHAR,
    USERINFO,
    PORT,
    IP_LITERAL,
    QUERY,
    FRAGMENT,
    PERCENT_ENCODING,
    EMPTY_SEGMENT,
    DOT_SEGMENT,
    TRAILING_SLASH,
    BAD_PATH_CHAR,
    SLASH_IN_SEGMENT,
    /** A trust domain name was expected, and a full SPIFFE ID with a path was given. */
    HAS_PATH
  }

  private final Problem problem;

  SpiffeIdException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
