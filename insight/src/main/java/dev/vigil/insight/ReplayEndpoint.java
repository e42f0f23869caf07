package dev.vigil.insight;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.api.ApiToken;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.StoreException;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/insight/replay} on the control plane: the body is a candidate bundle ({@code
 * .tar.gz}, as {@code vigil build} writes it), replayed against the node's decision log with the
 * node's own evaluation options; the answer is {@link ReplayReport#toJson}.
 *
 * <p>Query parameters: {@code since} (included) and {@code until} (excluded), RFC 3339 times,
 * {@code since} 24 hours ago by default, {@code route}, {@code path}, {@code limit}. It needs the
 * API token, as writes to the decision point's policies do: a replay costs a whole log's
 * evaluation, and its answer tells who asked for what. It changes nothing.
 *
 * <p>{@code GET /v1/insight/policy} answers {@link LivePolicy#toJson} with the same token.
 */
public final class ReplayEndpoint {

  private static final Logger log = LoggerFactory.getLogger(ReplayEndpoint.class);

  /** Where the endpoint is. */
  public static final String PATH = "/v1/insight/replay";

  /**
   * Where the node answers {@link LivePolicy}, read by {@code vigil insight drift}: what was
   * written through the OPA API lives only in the node's memory.
   */
  public static final String POLICY_PATH = "/v1/insight/policy";

  private final DecisionPoint live;
  private final DecisionReader reader;
  private final ApiToken token;
  private final InstantSource clock;

  private ReplayEndpoint(
      DecisionPoint live, DecisionReader reader, ApiToken token, InstantSource clock) {
    this.live = live;
    this.reader = reader;
    this.token = token;
    this.clock = clock;
  }

  /**
   * Adds the endpoint to the control plane's router, whose body handler reads the bundle.
   *
   * @param token the API token; null refuses every call (403)
   */
  public static void install(
      Router router, DecisionPoint live, DecisionReader reader, ApiToken token) {
    ReplayEndpoint e = new ReplayEndpoint(live, reader, token, InstantSource.system());
    // Before every other handler of the router, its body handler among them: a call without the
    // token costs no buffering.
    router.post(PATH).order(-1).handler(e::requireToken);
    router.post(PATH).blockingHandler(e::replay, false);
    router.get(POLICY_PATH).order(-1).handler(e::requireToken);
    router
        .get(POLICY_PATH)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .end(LivePolicy.of(live).toJson()));
  }

  private void requireToken(RoutingContext ctx) {
    String twice = ApiToken.ambiguity(ctx.request().headers().getAll("Authorization"));
    String authorization = ctx.request().getHeader("Authorization");
    if (twice == null && token != null && token.admits(authorization)) {
      ctx.next();
      return;
    }
    log.warn(
        "insight call refused: {} {} from {}: {}",
        ctx.request().method(),
        ctx.request().path(),
        ctx.request().remoteAddress(),
        twice != null
            ? "several Authorization headers"
            : token == null ? "no API token" : authorization == null ? "no token" : "wrong token");
    if (ctx.request().version() != HttpVersion.HTTP_2) {
      // The body stays unread; closing is cheaper than reading it to keep the connection.
      ctx.response().putHeader("Connection", "close");
    }
    if (twice != null) {
      send(ctx, 400, "invalid_parameter", twice);
      return;
    }
    if (token == null) {
      send(ctx, 403, "unauthorized", "this control plane has no API token; /v1/insight is off");
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"vigil\"");
    send(
        ctx,
        401,
        "unauthorized",
        authorization == null
            ? "/v1/insight needs the API token: send Authorization: Bearer TOKEN"
            : "the API token presented is not this control plane's");
  }

  private void replay(RoutingContext ctx) {
    ReplayWindow window;
    try {
      window = window(ctx);
    } catch (IllegalArgumentException e) {
      send(ctx, 400, "invalid_parameter", e.getMessage());
      return;
    }
    if (ctx.body() == null || ctx.body().length() == 0) {
      send(ctx, 400, "invalid_parameter", "the body must be the candidate bundle, a .tar.gz");
      return;
    }
    ReplayReport report;
    try {
      Bundle bundle = BundleReader.read(ctx.body().buffer().getBytes(), "request body");
      try (CandidatePolicy candidate = CandidatePolicy.of(bundle, live.options())) {
        report = Replay.run(reader, window, candidate);
      }
    } catch (BundleException e) {
      send(ctx, 400, "invalid_parameter", "bundle refused: " + e.getMessage());
      return;
    } catch (StoreException e) {
      log.error("insight replay: cannot read the decision log: {}", e.getMessage());
      send(ctx, 500, "internal_error", "cannot read the decision log: " + e.getMessage());
      return;
    }
    ctx.response()
        .setStatusCode(200)
        .putHeader("Content-Type", "application/json")
        .end(Json.write(report.toJson()));
  }

  private ReplayWindow window(RoutingContext ctx) {
    Instant since = time("since", ctx.request().getParam("since"));
    if (since == null) {
      since = clock.instant().minus(Duration.ofHours(24));
    }
    Instant until = time("until", ctx.request().getParam("until"));
    String path = ctx.request().getParam("path");
    if (path != null) {
      try {
        path = PolicyPath.parse(path).slashed();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("path: " + e.getMessage(), e);
      }
    }
    int limit = ReplayWindow.DEFAULT_LIMIT;
    String l = ctx.request().getParam("limit");
    if (l != null) {
      try {
        limit = Integer.parseInt(l);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("limit \"" + l + "\" is not a number");
      }
    }
    return new ReplayWindow(since, until, ctx.request().getParam("route"), path, limit);
  }

  private static Instant time(String name, String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          name + " \"" + text + "\" is not an RFC 3339 time such as 2026-12-06T06:00:00Z");
    }
  }

  private static void send(RoutingContext ctx, int status, String code, String message) {
    ObjectValue body =
        ObjectValue.of(
            Map.of(
                StringValue.of("code"), StringValue.of(code),
                StringValue.of("message"), StringValue.of(message)));
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.write(body));
  }
}
