package dev.vigil.gateway.http;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Removes, before policy and before the upstream, every client header that could pass for one the
 * gateway writes (kind (b) of the security cases: C05). A header is the gateway's when its name,
 * lower-cased with {@code _} read as {@code -}, is in the reserved set or starts with a reserved
 * prefix, which covers the identity headers other proxies write ({@code X-Amzn-Oidc-*}, {@code
 * X-Goog-Authenticated-*}, {@code X-Ms-Client-Principal*}, {@code X-Forwarded-Client-Cert} ...) and
 * method overrides; every {@code X-Forwarded-*}, {@code Forwarded} and the client-address headers
 * ({@code X-Real-IP}, {@code True-Client-IP}, {@code CF-Connecting-IP} ...) are removed unless the
 * TCP peer is a trusted proxy. The answer's side, the headers an upstream may not send back to the
 * caller, is {@link AnswerHygiene}.
 *
 * <p>Immutable and thread-safe.
 */
public final class HeaderHygiene {

  /** Headers the gateway writes for the upstream; clients may never send them. */
  public static final Set<String> RESERVED =
      Set.of(
          "x-vigil-user",
          "x-vigil-email",
          "x-vigil-groups",
          "x-vigil-roles",
          "x-vigil-subject",
          "x-vigil-spiffe-id",
          "x-vigil-decision-id",
          "x-vigil-assertion",
          "x-vigil-device",
          "x-forwarded-user",
          "x-forwarded-email",
          "x-forwarded-groups",
          "x-forwarded-preferred-username",
          "x-spiffe-id",
          // Identities other proxies assert (Envoy, nginx): an app behind the gateway may read one
          // of them as the caller.
          "x-forwarded-client-cert",
          "x-user",
          // Method overrides: the policy decided on the request's method (GET is read), so a
          // framework must not run another one (DELETE). Removed, not refused, so that clients
          // that add them by habit still work with the method they sent.
          "x-http-method-override",
          "x-http-method",
          "x-method-override");

  /**
   * Prefixes reserved to the gateway, or to the identity headers of other proxies. A proxy's
   * headers are removed as a family, since an app set up behind it reads whichever of them it was
   * told to: one name left out (a role, the groups, a certificate's subject beside its verification
   * result) is one the client writes.
   */
  public static final List<String> RESERVED_PREFIXES =
      List.of(
          "x-vigil-",
          "x-amzn-oidc-", // AWS ALB
          "x-goog-authenticated-", // Google IAP
          "x-goog-iap-",
          "x-ms-client-principal", // Azure App Service
          "x-ms-token-",
          "x-auth-request-", // oauth2-proxy: -user, -email, -groups, -access-token ...
          "x-webauth-", // Grafana's auth proxy: -user, -email, -name, -role, -groups
          "remote-", // Authelia: Remote-User, -Groups, -Email, -Name
          "x-remote-", // Kubernetes' front proxy: X-Remote-User, -Group, -Extra-*
          "x-authenticated-", // Kong: -userid, -scope, -groups
          "cf-access-", // Cloudflare Access: -authenticated-user-email, -jwt-assertion
          "x-pomerium-", // Pomerium: -jwt-assertion, -claim-*
          "x-authentik-", // authentik: -username, -groups, -email ...
          "tailscale-", // Tailscale Serve: Tailscale-User-Login, -User-Name ...
          "x-vouch-", // Vouch Proxy: -user, -idp-claims-*
          // A client certificate's fields as a TLS terminator passes them on (nginx, HAProxy,
          // Google's load balancers): the certificate, its subject and its verification result.
          "ssl-client-",
          "x-ssl-client-",
          "x-client-cert");

  /**
   * Headers that describe the request's route or client and may come only from a trusted proxy (the
   * gateway then writes its own {@code X-Forwarded-For}, {@code -Host} and {@code -Proto}).
   */
  public static final Set<String> FORWARDING =
      Set.of(
          "forwarded",
          "x-original-uri",
          "x-original-url",
          "x-original-method",
          "x-original-host",
          "x-rewrite-url",
          "x-real-ip",
          "true-client-ip",
          "cf-connecting-ip",
          "x-client-ip",
          "x-cluster-client-ip",
          "x-envoy-external-address",
          "x-envoy-original-path",
          "x-proxyuser-ip",
          "fastly-client-ip",
          "client-ip",
          "x-originating-ip",
          "x-host");

  /** Prefixes of forwarding headers: every {@code X-Forwarded-*}, whoever invented it. */
  public static final List<String> FORWARDING_PREFIXES = List.of("x-forwarded-");

  private final Set<String> extraReserved;

  /** Creates hygiene with extra reserved names (the identity headers configured per route). */
  public HeaderHygiene(Set<String> extraReserved) {
    this.extraReserved = Set.copyOf(extraReserved.stream().map(HeaderHygiene::canonical).toList());
  }

  /** Returns the name as compared: lower case, underscores read as hyphens. */
  public static String canonical(String name) {
    return name.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns true when a client may not send this header. */
  public boolean isReserved(String name) {
    String c = canonical(name);
    if (RESERVED.contains(c) || extraReserved.contains(c)) {
      return true;
    }
    for (String p : RESERVED_PREFIXES) {
      if (c.startsWith(p)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Names the headers to remove from a request.
   *
   * @param names the request's header names
   * @param fromTrustedProxy whether the TCP peer is a configured trusted proxy
   * @param remove receives each name to remove
   */
  public void strip(Iterable<String> names, boolean fromTrustedProxy, Consumer<String> remove) {
    for (String name : names) {
      if (removed(name, fromTrustedProxy)) {
        remove.accept(name);
      }
    }
  }

  /**
   * Returns the lower-case names of the headers to remove from a request, as {@link #strip} names
   * them; an empty set, and nothing allocated, in the usual case of none.
   */
  public Set<String> removedNames(Iterable<String> names, boolean fromTrustedProxy) {
    Set<String> removed = null;
    for (String name : names) {
      if (removed(name, fromTrustedProxy)) {
        if (removed == null) {
          removed = new HashSet<>();
        }
        removed.add(name.toLowerCase(Locale.ROOT));
      }
    }
    return removed == null ? Set.of() : removed;
  }

  private boolean removed(String name, boolean fromTrustedProxy) {
    return isReserved(name) || (!fromTrustedProxy && isForwarding(canonical(name)));
  }

  private static boolean isForwarding(String canonical) {
    if (FORWARDING.contains(canonical)) {
      return true;
    }
    for (String p : FORWARDING_PREFIXES) {
      if (canonical.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
