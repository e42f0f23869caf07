package dev.vigil.pdp.bundle;

/** Thrown when a bundle cannot be read or activated; the message names the file and the fault. */
public final class BundleException extends RuntimeException {

  public BundleException(String message) {
    super(message);
  }

  public BundleException(String message, Throwable cause) {
    super(message, cause);
  }
}
