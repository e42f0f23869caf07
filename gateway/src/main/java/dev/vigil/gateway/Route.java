package dev.vigil.gateway;

import dev.vigil.gateway.http.PathNormalizer;
import dev.vigil.gateway.http.RequestPath;
import dev.vigil.identity.SpiffeId;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One route of the gateway: which requests it takes, where they go, and how they are decided.
 *
 * @param name the route's name, recorded with each decision
 * @param host the Host it serves (without port), or {@code *} for any
 * @param pathPrefix the path prefix it serves, ending without a slash except for {@code /}
 * @param upstream where allowed requests go, e.g. {@code http://127.0.0.1:9000}; {@code
 *     tcp://127.0.0.1:5432} for a sidecar's TCP inbound listener (the edge refuses it)
 * @param policyPath the policy path that decides, e.g. {@code authz/allow}
 * @param mode observe, monitor or enforce
 * @param resource attributes the policy sees as {@code input.resource}: service, environment,
 *     namespace, classification, criticality
 * @param action the action the policy sees, or null to derive it from the method
 * @param identityProvider the identity provider whose sessions and bearer tokens this route takes
 *     ({@code local} for local users only), or null for the default provider and local users
 * @param upstreamSpiffeId the SPIFFE ID the upstream must prove over mutual TLS, or null for a
 *     plain (or ordinary https) upstream
 */
public record Route(
    String name,
    String host,
    String pathPrefix,
    URI upstream,
    String policyPath,
    Mode mode,
    Map<String, String> resource,
    String action,
    String identityProvider,
    SpiffeId upstreamSpiffeId) {

  /** A route whose upstream is not a Vigil workload. */
  public Route(
      String name,
      String host,
      String pathPrefix,
      URI upstream,
      String policyPath,
      Mode mode,
      Map<String, String> resource,
      String action,
      String identityProvider) {
    this(
        name,
        host,
        pathPrefix,
        upstream,
        policyPath,
        mode,
        resource,
        action,
        identityProvider,
        null);
  }

  /** A route of the default identity provider. */
  public Route(
      String name,
      String host,
      String pathPrefix,
      URI upstream,
      String policyPath,
      Mode mode,
      Map<String, String> resource,
      String action) {
    this(name, host, pathPrefix, upstream, policyPath, mode, resource, action, null);
  }

  /** The actions a policy sees as {@code input.action} (docs/policy-input.md). */
  public static final List<String> ACTIONS = List.of("read", "write", "delete", "admin");

  /**
   * Reads an action as written in a configuration: in any case, as modes are read ({@link
   * Mode#parse}), and given to policies in lower case, the only spelling they compare with.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static String parseAction(String text) {
    String action = text.strip().toLowerCase(Locale.ROOT);
    if (!ACTIONS.contains(action)) {
      throw new IllegalArgumentException(
          "\""
              + text
              + "\" is not one of "
              + String.join(", ", ACTIONS)
              + " (input.action), or leave it out to follow the method");
    }
    return action;
  }

  /**
   * The keys of {@code input.resource} a route sets; the gateway adds {@code route} itself
   * (docs/policy-input.md).
   */
  public static final Set<String> RESOURCE_KEYS =
      Set.of("service", "environment", "namespace", "classification", "criticality");

  public Route {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(upstream, "upstream");
    Objects.requireNonNull(policyPath, "policyPath");
    Objects.requireNonNull(mode, "mode");
    if (!pathPrefix.startsWith("/")) {
      throw new IllegalArgumentException(
          "route " + name + ": path prefix \"" + pathPrefix + "\" must start with /");
    }
    String notNormal = notNormalised(pathPrefix);
    if (notNormal != null) {
      throw new IllegalArgumentException(
          "route "
              + name
              + ": path prefix \""
              + pathPrefix
              + "\" is not a normalised path ("
              + notNormal
              + "): requests are matched after normalisation, so it would never match");
    }
    try {
      checkPolicyPath(policyPath);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("route " + name + ": " + e.getMessage(), e);
    }
    try {
      PolicyPath.parse(policyPath);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("route " + name + ": " + e.getMessage(), e);
    }
    if (pathPrefix.length() > 1 && pathPrefix.endsWith("/")) {
      pathPrefix = pathPrefix.substring(0, pathPrefix.length() - 1);
    }
    String scheme = upstream.getScheme();
    if (scheme == null
        || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("tcp"))
        || upstream.getHost() == null) {
      throw new IllegalArgumentException(
          "route "
              + name
              + ": upstream \""
              + upstream
              + "\" must be an http(s) URL with a host (or tcp://host:port for a sidecar's TCP"
              + " listener)");
    }
    resource = Map.copyOf(resource);
  }

  /**
   * Returns why a path prefix differs from every path {@link PathNormalizer} lets through, or null
   * when it is one of them. Matching compares the prefix with normalised paths as text, so a prefix
   * the normaliser would rewrite ({@code /%41}, {@code /a/../b}, lower-case hex) or refuse (a
   * space, a {@code ;} parameter) could never match a request.
   */
  private static String notNormalised(String prefix) {
    RequestPath normal = PathNormalizer.normalize(prefix);
    if (normal.isRefused()) {
      return normal.refusal();
    }
    if (normal.query() != null) {
      return "it holds a query ('?')";
    }
    if (!normal.path().equals(prefix)) {
      return "requests spell it \"" + normal.path() + "\"; write that";
    }
    return null;
  }

  /**
   * Checks a route's policy path as the decision point will read it at every request: a path of at
   * least one segment ({@code package/rule} or {@code data.package.rule}). Throws {@link
   * IllegalArgumentException} saying what is wrong; without this a bad path failed each request.
   */
  public static void checkPolicyPath(String policyPath) {
    if (policyPath.isBlank()) {
      throw new IllegalArgumentException(
          "policy is empty; name the rule that decides, as package/rule");
    }
    if (PolicyPath.parse(policyPath).segments().isEmpty()) {
      throw new IllegalArgumentException(
          "policy \""
              + policyPath
              + "\" names no rule but the whole data document; name the rule that decides,"
              + " as package/rule");
    }
  }

  /** Returns this route with another mode, everything else kept. */
  public Route withMode(Mode newMode) {
    return new Route(
        name,
        host,
        pathPrefix,
        upstream,
        policyPath,
        newMode,
        resource,
        action,
        identityProvider,
        upstreamSpiffeId);
  }

  /** Returns true when the normalised path lies under this route's prefix (segment-wise). */
  public boolean matchesPath(String path) {
    return pathPrefix.equals("/") || path.equals(pathPrefix) || path.startsWith(pathPrefix + "/");
  }

  /** Returns the upstream URL's path without a final slash, put before every forwarded path. */
  public String upstreamBasePath() {
    String base = upstream.getRawPath() == null ? "" : upstream.getRawPath();
    return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
  }

  /** Returns the action a method stands for when the route does not fix one. */
  public String actionFor(String method) {
    if (action != null) {
      return action;
    }
    return switch (method) {
      case "GET", "HEAD", "OPTIONS" -> "read";
      case "DELETE" -> "delete";
      default -> "write";
    };
  }
}
