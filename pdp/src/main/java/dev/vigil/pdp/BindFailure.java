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

  /** Returns the reason a listen attempt failed, from the exception it failed with. */
  public static String reason(Throwable failure) {
    Throwable cause =
        failure instanceof ExecutionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    String message = String.valueOf(cause.getMessage());
    if (message.contains("Address already in use") || message.contains("error(-98)")) {
      return "address already in use";
    }
    if (message.contains("Cannot assign requested address") || message.contains("error(-99)")) {
      return "no such local address";
    }
    if (message.contains("Permission denied") || message.contains("error(-13)")) {
      return "permission denied (ports below 1024 need privileges)";
    }
    return cause instanceof BindException ? message.toLowerCase(java.util.Locale.ROOT) : message;
  }
}
