package dev.vigil.access;

/**
 * A refused grant operation: an unknown entitlement, a duration too long, a missing reason, an
 * approval by someone who may not give it. {@link #code()} is stable (tests and HTTP clients read
 * it); {@link #field()} names the input at fault, or is null when the fault is no one field's; the
 * message says what is wrong with it.
 */
public final class GrantException extends RuntimeException {

  private final String code;
  private final String field;

  public GrantException(String code, String field, String message) {
    super(message);
    this.code = code;
    this.field = field;
  }

  /**
   * Returns the stable code: {@code bad_request} (a field is wrong), {@code not_found}, {@code
   * forbidden} (not this caller's to do) or {@code conflict} (the grant is not in a state that
   * allows it).
   */
  public String code() {
    return code;
  }

  /** Returns the input at fault, such as {@code duration}, or null. */
  public String field() {
    return field;
  }
}
