package dev.vigil.pdp;

/**
 * A listener that could not bind its address, naming it and why ({@link BindFailure#reason}), so
 * that a caller that took the address from a configuration can name the key it came from.
 */
public final class ListenException extends IllegalStateException {

  private final String host;
  private final int port;

  /**
   * @param message the whole message, such as {@code cannot listen on 127.0.0.1:8080: address
   *     already in use}
   */
  public ListenException(String message, String host, int port, Throwable cause) {
    super(message, cause);
    this.host = host;
    this.port = port;
  }

  /** The host the listener was to bind. */
  public String host() {
    return host;
  }

  /** The port the listener was to bind; 0 for any. */
  public int port() {
    return port;
  }
}
