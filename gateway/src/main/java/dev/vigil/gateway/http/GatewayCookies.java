package dev.vigil.gateway.http;

import java.util.List;

/**
 * The names of the cookies Vigil sets in browsers, in one place: where each is set refers to its
 * name here, and the gateway strips them from the {@code Cookie} header it forwards, since an
 * upstream that saw one could replay a session or a sign-in in progress.
 *
 * <p>Every name starts with {@value #PREFIX}, and the gateway strips every cookie with that prefix,
 * so a cookie added later is withheld from upstreams even if this list is forgotten; the list is
 * what the tests check that prefix against.
 */
public final class GatewayCookies {

  /** What every Vigil cookie name starts with. */
  public static final String PREFIX = "vigil_";

  /** The gateway's sealed session. */
  public static final String SESSION = "vigil_session";

  /** The login-CSRF token of the sign-in form. */
  public static final String LOGIN_CSRF = "vigil_login_csrf";

  /** The state, nonce and PKCE verifier of an OpenID Connect sign-in in progress. */
  public static final String OIDC = "vigil_oidc";

  /**
   * The console's session and sign-in cookies: the browser sends them to every port of the host
   * (cookies ignore ports), and an upstream must never see an administrator's console session.
   */
  public static final String CONSOLE = "vigil_console";

  /** The console's sign-in (login-CSRF) cookie. */
  public static final String CONSOLE_LOGIN = "vigil_console_login";

  /** Every cookie Vigil sets. */
  public static final List<String> ALL = List.of(SESSION, LOGIN_CSRF, OIDC, CONSOLE, CONSOLE_LOGIN);

  private GatewayCookies() {}

  /** Returns a Cookie header without Vigil's own cookies; empty when none is left. */
  public static String withoutGatewayCookies(String header) {
    StringBuilder sb = new StringBuilder();
    for (String part : header.split(";")) {
      String p = part.trim();
      // Compared without case: some servers fold cookie names, and a spelling that slipped
      // through here would still be read as the gateway's by one of them.
      if (p.isEmpty() || p.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append("; ");
      }
      sb.append(p);
    }
    return sb.toString();
  }
}
