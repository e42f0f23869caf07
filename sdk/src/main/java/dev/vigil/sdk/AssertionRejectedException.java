package dev.vigil.sdk;

/**
 * An identity assertion that {@link AssertionVerifier} refused. {@link #reason()} is a stable code
 * to branch or count on; the message says the same in words.
 */
public final class AssertionRejectedException extends Exception {

  /** Why an assertion was refused. */
  public enum Reason {
    /** Missing, not a compact JWS, or its header or claims name a key twice. */
    MALFORMED,
    /**
     * The header marks parameters critical ({@code crit}, RFC 7515 §4.1.11); the verifier knows no
     * JWS extension, so it cannot process the assertion.
     */
    CRITICAL_HEADER,
    /** Signed with another algorithm than ES256. */
    ALGORITHM,
    /** No key id, or a key id the JWKS does not hold. */
    KEY_UNKNOWN,
    /** The signature does not verify. */
    SIGNATURE,
    /** Another issuer than the gateway's. */
    ISSUER,
    /** Not addressed to this route. */
    AUDIENCE,
    /** Expiry, issue time or not-before missing, passed, in the future, or too far apart. */
    TIME,
    /** No subject. */
    SUBJECT,
    /**
     * The gateway's keys could not be read: never yet, or not for {@link
     * AssertionVerifier#MAX_STALE}. The message says since when and why.
     */
    KEYS_UNAVAILABLE
  }

  private final Reason reason;

  public AssertionRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
