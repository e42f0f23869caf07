package dev.vigil.access;

/**
 * A refused device operation: a bad enrolment token or CSR, a report that does not verify, a
 * replay. {@link #code()} is stable (tests and HTTP clients read it); the message names the input
 * and what is wrong with it.
 */
public final class DeviceException extends RuntimeException {

  private final String code;

  public DeviceException(String code, String message) {
    super(message);
    this.code = code;
  }

  /**
   * Returns the stable code, such as {@code bad_token}, {@code bad_signature} or {@code replay}.
   */
  public String code() {
    return code;
  }
}
