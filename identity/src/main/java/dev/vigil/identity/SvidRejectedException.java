package dev.vigil.identity;

/**
 * A credential that a verifier refused. {@link #reason()} is a stable code naming the rule of the
 * SPIFFE X509-SVID or JWT-SVID specification (or Vigil's own check) that the credential broke; the
 * message says the same in words and quotes what was seen.
 */
public final class SvidRejectedException extends Exception {

  /** The rule a credential broke. */
  public enum Reason {
    // X509-SVID, SPIFFE X509-SVID specification sections 2, 4 and 5.
    CHAIN_EMPTY,
    LEAF_URI_SAN_COUNT,
    LEAF_ID_MALFORMED,
    LEAF_ID_NO_PATH,
    LEAF_BASIC_CONSTRAINTS_MISSING,
    LEAF_IS_CA,
    LEAF_KEY_USAGE_MISSING,
    LEAF_KEY_USAGE_NOT_CRITICAL,
    LEAF_NO_DIGITAL_SIGNATURE,
    LEAF_KEY_CERT_SIGN,
    LEAF_CRL_SIGN,
    LEAF_EXTENDED_KEY_USAGE,
    SIGNING_CERT_NOT_CA,
    SIGNING_CERT_NO_KEY_CERT_SIGN,
    SIGNING_CERT_ID,
    NOT_YET_VALID,
    EXPIRED,
    NO_BUNDLE,
    CHAIN_UNTRUSTED,
    REVOKED,
    // JWT-SVID, SPIFFE JWT-SVID specification sections 2 and 3.
    JWT_MALFORMED,
    JWT_ALGORITHM,
    JWT_TYPE,
    JWT_HEADER_FIELD,
    JWT_KEY_ID_MISSING,
    JWT_KEY_UNKNOWN,
    JWT_SIGNATURE,
    JWT_SUBJECT,
    JWT_AUDIENCE,
    JWT_EXPIRY_MISSING,
    JWT_EXPIRED,
    // Agent SVID renewal (JoinTokens.renew).
    /** A valid SVID that names a workload, not an agent ({@code /vigil/agent/ID}). */
    NOT_AN_AGENT,
    /** The private key presented with the SVID is not the certificate's. */
    KEY_MISMATCH
  }

  private final Reason reason;

  public SvidRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
