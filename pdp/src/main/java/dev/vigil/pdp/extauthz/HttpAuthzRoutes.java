package dev.vigil.pdp.extauthz;

import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.FOR;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.HOST;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.METHOD;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.ORIGINAL_METHOD;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.ORIGINAL_URI;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.PROTO;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.URI;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The HTTP forms of external authorization, on the decision point's REST API:
 *
 * <ul>
 *   <li>{@code /v1/authz/envoy/...}: Envoy's ext_authz HTTP service with {@code path_prefix:
 *       /v1/authz/envoy}; the original method, path and headers arrive as the request itself.
 *       Exactly 200 allows, 403 denies.
 *   <li>{@code /v1/authz/nginx}: nginx {@code auth_request}; the original request is read from
 *       {@code X-Original-URI} and {@code X-Original-Method} set by a trusted nginx ({@code
 *       X-Forwarded-Uri} and {@code -Method} are not read: nginx passes a client's copies through
 *       to the subrequest unless its configuration overwrites them). 200 allows, 401 denies a
 *       request without credentials, 403 denies.
 *   <li>{@code /v1/authz/traefik}: Traefik ForwardAuth; the original request is read from {@code
 *       X-Forwarded-Method}, {@code -Uri}, {@code -Host}, {@code -Proto}, {@code -For} sent by a
 *       trusted proxy. 200 allows, 403 denies.
 * </ul>
 *
 * <p>The endpoints are matched on the raw request path before the router normalises it, so that an
 * original path with dot segments (as Envoy appends it to the prefix) can never be routed to
 * another API endpoint. Every answer carries {@code x-vigil-decision-id}; a denial's body holds the
 * id and a fixed message, never policy internals.
 */
public final class HttpAuthzRoutes {

  /** The path prefix of Envoy's HTTP authorization service. */
  public static final String ENVOY_PREFIX = "/v1/authz/envoy";

  /** The path of the nginx {@code auth_request} endpoint. */
  public static final String NGINX_PATH = "/v1/authz/nginx";

  /** The path of the Traefik ForwardAuth endpoint. */
  public static final String TRAEFIK_PATH = "/v1/authz/traefik";

  private static final Set<PolicyInputBuilder.Forwarded> ENVOY = EnumSet.of(FOR, PROTO);
  private static final Set<PolicyInputBuilder.Forwarded> NGINX =
      EnumSet.of(ORIGINAL_URI, ORIGINAL_METHOD, HOST, PROTO, FOR);
  private static final Set<PolicyInputBuilder.Forwarded> TRAEFIK =
      EnumSet.of(URI, METHOD, HOST, PROTO, FOR);

  private final ExternalAuthorizer authorizer;

  private HttpAuthzRoutes(ExternalAuthorizer authorizer) {
    this.authorizer = authorizer;
  }

  /** Adds the endpoints to a router, ahead of every other route. */
  public static void install(Router router, ExternalAuthorizer authorizer) {
    HttpAuthzRoutes routes = new HttpAuthzRoutes(authorizer);
    router.route().order(-1).handler(routes::dispatch);
  }

  private void dispatch(RoutingContext ctx) {
    String raw = ctx.request().path();
    if (raw == null) {
      ctx.next();
    } else if (raw.equals(ENVOY_PREFIX) || raw.startsWith(ENVOY_PREFIX + "/")) {
      offLoop(ctx, () -> envoy(ctx, raw.substring(ENVOY_PREFIX.length())));
    } else if (raw.equals(NGINX_PATH)) {
      offLoop(ctx, () -> nginx(ctx));
    } else if (raw.equals(TRAEFIK_PATH)) {
      offLoop(ctx, () -> traefik(ctx));
    } else {
      ctx.next();
    }
  }

  /** Decides on the worker pool, so that a slow policy cannot stall the event loop. */
  private static void offLoop(RoutingContext ctx, Runnable work) {
    ctx.vertx()
        .executeBlocking(
            () -> {
              work.run();
              return null;
            },
            false)
        .onFailure(ctx::fail);
  }

  private void envoy(RoutingContext ctx, String originalPath) {
    HttpServerRequest req = ctx.request();
    String path = originalPath.isEmpty() ? "/" : originalPath;
    String target = req.query() == null ? path : path + "?" + req.query();
    HttpRequestDescription d = describe(req, target);
    AuthzVerdict v = authorizer.authorize("envoy-http", d, ENVOY);
    List<String> forged = clientIdentityHeaders(d, v);
    if (v.letThrough() && !forged.isEmpty()) {
      // Envoy's HTTP service form of OkHttpResponse.headers_to_remove.
      ctx.response().putHeader("x-envoy-auth-headers-to-remove", String.join(", ", forged));
    }
    answer(ctx, v, 403);
  }

  /**
   * Returns the {@code x-vigil-*} headers a client sent that the verdict does not overwrite: the
   * proxy must remove them, since only Vigil writes identity headers.
   */
  public static List<String> clientIdentityHeaders(HttpRequestDescription d, AuthzVerdict v) {
    List<String> out = new ArrayList<>();
    for (String name : d.headers().keySet()) {
      if (name.startsWith("x-vigil-") && !v.upstreamHeaders().containsKey(name)) {
        out.add(name);
      }
    }
    return out;
  }

  private void nginx(RoutingContext ctx) {
    HttpRequestDescription d = describe(ctx.request(), ctx.request().uri());
    AuthzVerdict v = authorizer.authorize("nginx", d, NGINX);
    boolean credentials = d.header("authorization") != null || d.header("cookie") != null;
    answer(ctx, v, credentials ? 403 : 401);
  }

  private void traefik(RoutingContext ctx) {
    HttpRequestDescription d = describe(ctx.request(), ctx.request().uri());
    answer(ctx, authorizer.authorize("traefik", d, TRAEFIK), 403);
  }

  private static HttpRequestDescription describe(HttpServerRequest req, String target) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : req.headers()) {
      headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
    }
    String host = req.getHeader("Host");
    if (host == null && req.authority() != null) {
      host = req.authority().toString();
    }
    String peer = req.remoteAddress() == null ? null : req.remoteAddress().hostAddress();
    return new HttpRequestDescription(req.method().name(), target, host, null, headers, peer);
  }

  private static void answer(RoutingContext ctx, AuthzVerdict v, int denyStatus) {
    HttpServerResponse res = ctx.response();
    res.putHeader("Cache-Control", "no-store");
    res.putHeader(ExternalAuthorizer.DECISION_ID_HEADER, v.decisionId());
    if (v.letThrough()) {
      v.upstreamHeaders().forEach(res::putHeader);
      if (v.monitored()) {
        res.putHeader("x-vigil-would-deny", "true");
      }
      res.setStatusCode(200).end();
      return;
    }
    ObjectValue body =
        ObjectValue.of(
            StringValue.of("decision_id"), StringValue.of(v.decisionId()),
            StringValue.of("message"),
                StringValue.of(v.refusal() != null ? "request refused" : "access denied"));
    res.setStatusCode(denyStatus)
        .putHeader("Content-Type", "application/json")
        .end(Json.write(body) + "\n");
  }
}
