package dev.vigil.identity;

/**
 * A join token that cannot be redeemed. The message says why without repeating the token; {@link
 * #problem()} is a stable code for tests and callers.
 */
public final class JoinTokenException extends RuntimeException {

  /** Why the token was refused. */
  public enum Problem {
    /** No token with this value was ever created here (or it is malformed). */
    UNKNOWN,
    /** The token was redeemed before; a join token works once. */
    ALREADY_USED,
    /** The token's time to live has passed. */
    EXPIRED
  }

  private final Problem problem;

  JoinTokenException(Problem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }
}
