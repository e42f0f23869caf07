package dev.vigil.gateway.http;

import java.util.Locale;
import java.util.Set;

/**
 * The request methods an enforcement point refuses before policy, since the upstream would not run
 * the request that policy decided: a {@code CONNECT} (RFC 9110 §9.3.6), which asks for a tunnel
 * and, relayed, turns the kept connection to the app into one; and a standard method spelt in
 * another case ({@code delete}, {@code Get}). Methods are case-sensitive (RFC 9110 §9.1), so policy
 * sees an unknown method ({@code input.action} "write") where frameworks that upper-case the method
 * (Django, Werkzeug) run {@code DELETE}. Other methods ({@code PURGE}) pass.
 *
 * <p>Stateless and thread-safe.
 */
public final class RequestMethods {

  /** The methods of RFC 9110 §9 and PATCH (RFC 5789), as they are spelt. */
  private static final Set<String> STANDARD =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private RequestMethods() {}

  /** Returns why a request with this method is refused before policy, or null when it is not. */
  public static String refusal(String method) {
    if (method.equals("CONNECT")) {
      return "CONNECT asks for a tunnel, and Vigil is no forward proxy: send the request itself";
    }
    String upper = method.toUpperCase(Locale.ROOT);
    if (!upper.equals(method) && STANDARD.contains(upper)) {
      return "the method differs from "
          + upper
          + " only in case; methods are case-sensitive, send "
          + upper;
    }
    return null;
  }
}
