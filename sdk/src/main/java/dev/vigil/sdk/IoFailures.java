package dev.vigil.sdk;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;

/**
 * Says in words why a request over {@code java.net.http} failed. Its exceptions often carry no
 * message (a refused connection is a bare {@link ConnectException}), so the class name alone would
 * reach the app's log.
 */
final class IoFailures {

  private IoFailures() {}

  static String describe(Throwable t) {
    return switch (t) {
      case HttpConnectTimeoutException e -> "no connection within the time budget";
      case HttpTimeoutException e -> "no answer within the time budget";
      case ConnectException e ->
          e.getMessage() == null ? "connection refused" : "connection refused: " + e.getMessage();
      case UnknownHostException e -> "unknown host " + e.getMessage();
      default -> t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    };
  }
}
