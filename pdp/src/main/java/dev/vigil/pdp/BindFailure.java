package dev.vigil.pdp;

import java.net.BindException;
import java.util.concurrent.ExecutionException;

/**
 * Says in words why a listener could not bind. Netty's native transports report a busy port as
 * {@code bind(..) failed with error(-98)} (Linux's EADDRINUSE), the JDK's as {@code Address already
 * in use}; a person reading the start-up error wants the same plain reason from every listener.
 */
public final class BindFailure {

  private BindFailure() {}

  /**
   * Returns the reason a listen attempt failed, from the exception it failed with or the first of
   * its causes that says (gRPC wraps the bind's own failure in {@code Failed to bind to address}).
   */
  public static String reason(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String known = known(String.valueOf(t.getMessage()));
      if (known != null) {
        return known;
      }
    }
    Throwable cause =
        failure instanceof ExecutionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String message = String.valueOf(cause.getMessage());
    return cause instanceof BindException ? message.toLowerCase(java.util.Locale.ROOT) : message;
  }

  private static String known(String message) {
    if (message.contains("Address already in use") || message.contains("error(-98)")) {
      return "address already in use";
    }
    if (message.contains("Cannot assign requested address") || message.contains("error(-99)")) {
      return "no such local address";
    }
    if (message.contains("Permission denied") || message.contains("error(-13)")) {
      return "permission denied (ports below 1024 need privileges)";
    }
    return null;
  }
}
