package dev.vigil.gateway.http;

import io.vertx.core.MultiMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The names of the cookies Vigil sets in browsers, in one place: where each is set refers to its
 * name here, and the gateway strips them from the {@code Cookie} header it forwards, since an
 * upstream that saw one could replay a session or a sign-in in progress.
 *
 * <p>Every name starts with {@value #PREFIX}, and the gateway strips every cookie with that prefix,
 * so a cookie added later is withheld from upstreams even if this list is forgotten; the list is
 * what the tests check that prefix against.
 *
 * <p>Over TLS the edge's cookies carry the {@value #HOST_PREFIX} prefix ({@code
 * __Host-vigil_session}), and only the prefixed names are read there. A browser keeps such a cookie
 * only when it is Secure, has {@code Path=/} and no {@code Domain} (RFC 6265bis section 4.1.3.2),
 * so neither a page of a sibling subdomain nor a script of a plain-HTTP origin of the same host can
 * set one: a {@code vigil_session} they toss in (cookie tossing, login CSRF) is ignored. On plain
 * HTTP (local trials) the names stay unprefixed, as a browser refuses a prefixed cookie that is not
 * Secure; those cookies have no such protection. The name without prefix stays the cookie's logical
 * name, the one {@link dev.vigil.gateway.auth.SessionCodec} seals its value for.
 */
public final class GatewayCookies {

  /** What every Vigil cookie name starts with, after the {@link #HOST_PREFIX} on TLS. */
  public static final String PREFIX = "vigil_";

  /** The prefix of the edge's cookie names over TLS (RFC 6265bis section 4.1.3.2). */
  public static final String HOST_PREFIX = "__Host-";

  /** The other cookie-name prefix browsers give a meaning to (RFC 6265bis section 4.1.3.1). */
  public static final String SECURE_PREFIX = "__Secure-";

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

  /**
   * Returns the name a cookie of logical name {@code name} (one of {@link #ALL}) has on a request
   * or answer: {@value #HOST_PREFIX} and the name over TLS, the name alone on plain HTTP.
   */
  public static String name(String name, boolean tls) {
    return tls ? HOST_PREFIX + name : name;
  }

  /**
   * Returns a {@code Set-Cookie} value for the cookie {@code name} (logical, see {@link #name}),
   * HttpOnly. Over TLS: prefixed, Secure and {@code Path=/}, as its prefix requires; on plain HTTP:
   * unprefixed, with {@code plainPath}.
   *
   * @param value the value; empty to delete the cookie (with {@code maxAge} 0)
   * @param sameSite {@code Lax} or {@code Strict}
   * @param maxAge seconds, 0 to delete, or negative for a cookie that ends with the browser session
   */
  public static String setCookie(
      String name, String value, boolean tls, String plainPath, String sameSite, long maxAge) {
    return name(name, tls)
        + "="
        + value
        + "; Path="
        + (tls ? "/" : plainPath)
        + "; HttpOnly; SameSite="
        + sameSite
        + (tls ? "; Secure" : "")
        + (maxAge >= 0 ? "; Max-Age=" + maxAge : "");
  }

  /**
   * Tells whether a cookie name is Vigil's: it starts with {@value #PREFIX}, after a {@value
   * #HOST_PREFIX} or {@value #SECURE_PREFIX} prefix if any, in any case. Some servers fold cookie
   * names, and browsers compare the prefixes without case, so a spelling that slipped through here
   * would still be read as the gateway's by one of them.
   */
  public static boolean isGatewayCookie(String name) {
    int from = 0;
    if (name.regionMatches(true, 0, HOST_PREFIX, 0, HOST_PREFIX.length())) {
      from = HOST_PREFIX.length();
    } else if (name.regionMatches(true, 0, SECURE_PREFIX, 0, SECURE_PREFIX.length())) {
      from = SECURE_PREFIX.length();
    }
    return name.regionMatches(true, from, PREFIX, 0, PREFIX.length());
  }

  /** Returns a Cookie header without Vigil's own cookies; empty when none is left. */
  public static String withoutGatewayCookies(String header) {
    StringBuilder sb = new StringBuilder();
    for (String part : header.split(";")) {
      String p = part.trim();
      if (p.isEmpty() || isGatewayCookie(p)) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append("; ");
      }
      sb.append(p);
    }
    return sb.toString();
  }

  /**
   * Keeps an answer that sets a session cookie out of shared caches: a cache in front of the
   * gateway (a CDN) that kept it would hand the cookie, and the page, to whoever asked for the same
   * URL next. An answer whose {@code Cache-Control} says {@code no-store} or {@code private} is
   * left as it is; otherwise {@code public}, {@code s-maxage} and {@code proxy-revalidate} (which
   * speak to shared caches only) are dropped and {@code private} is put first, the app's other
   * directives ({@code max-age} for the browser's own cache) kept. Without {@code Cache-Control}
   * the answer gets {@code private}, since a shared cache may otherwise keep it by heuristics.
   */
  public static void keepOutOfSharedCaches(MultiMap headers) {
    List<String> kept = new ArrayList<>();
    for (String value : headers.getAll("Cache-Control")) {
      for (String d : value.split(",")) {
        String directive = d.strip();
        String name = directive.split("=", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (name.equals("no-store") || (name.equals("private") && !directive.contains("="))) {
          return;
        }
        if (!directive.isEmpty()
            && !name.equals("public")
            && !name.equals("s-maxage")
            && !name.equals("proxy-revalidate")
            && !name.equals("private")) {
          kept.add(directive);
        }
      }
    }
    kept.add(0, "private");
    headers.set("Cache-Control", String.join(", ", kept));
  }
}
