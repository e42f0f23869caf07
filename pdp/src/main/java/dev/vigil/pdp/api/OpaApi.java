package dev.vigil.pdp.api;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.builtins.TimeBudget;
import dev.vigil.rego.eval.Tracer;
import dev.vigil.rego.trace.TraceJson;
import dev.vigil.rego.trace.TraceRecorder;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Yaml;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * OPA's REST API, wire-compatible: the same paths, status codes and JSON shapes, so that OPA's
 * clients and proxies work against Vigil unchanged.
 *
 * <ul>
 *   <li>{@code POST|GET /v1/data/{path}}: evaluate; {@code {"result": ...}}, no {@code result} when
 *       undefined; query parameters {@code pretty}, {@code explain}, {@code metrics}, {@code
 *       provenance}, {@code strict-builtin-errors}.
 *   <li>{@code POST /}: the default decision, answered with the bare value.
 *   <li>{@code PUT|GET|DELETE /v1/policies/{id}}, {@code GET /v1/policies}.
 *   <li>{@code PUT|PATCH|DELETE /v1/data/{path}}: base documents outside bundle roots.
 *   <li>{@code GET /health} (with {@code ?bundles}), {@code GET /metrics}.
 * </ul>
 *
 * Decisions and policy changes run on Vert.x's worker pool, not the event loop, so that one slow
 * evaluation (bounded by the time budget) cannot stall every other request; the decision log is
 * written off this path.
 */
public final class OpaApi {

  /**
   * The most trace events one explanation holds: past it the trace is cut, and the answer warns. A
   * trace grows with the evaluation, and every event holds its node and its query's bindings.
   */
  static final int EXPLANATION_LIMIT = 10_000;

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OpaApi.class);

  /**
   * Settings of the API.
   *
   * @param defaultDecision the policy path {@code POST /} answers, e.g. {@code system/main}
   * @param bodyLimit the largest request body accepted, in bytes
   * @param bundlesReady tells {@code /health?bundles} whether every configured bundle is active
   * @param writeToken the token a write ({@code PUT}, {@code PATCH}, {@code DELETE} on {@code
   *     /v1/data} and {@code /v1/policies}) must carry; null refuses every write
   */
  public record Options(
      String defaultDecision, long bodyLimit, BooleanSupplier bundlesReady, ApiToken writeToken) {

    /** Checks the default decision's path now, not at every {@code POST /}. */
    public Options {
      PolicyPath.parse(defaultDecision);
    }

    /** The defaults: {@code POST /} asks {@code system/main}, bodies up to 8 MiB, no writes. */
    public static Options defaults() {
      return new Options("system/main", 8L << 20, () -> true, null);
    }

    /** Returns these options with writes allowed to clients that show {@code token}. */
    public Options withWriteToken(ApiToken token) {
      return new Options(defaultDecision, bodyLimit, bundlesReady, token);
    }
  }

  private static final String VERSION = "vigil-0.1.0";

  /**
   * The paths of documents and of policies. The write guard is routed with the same patterns as the
   * handlers it guards, so that every spelling the router resolves to a write (dot segments,
   * escapes) meets the guard first.
   */
  private static final String DATA_PATHS = "/v1/data(/.*)?";

  private static final String POLICY_PATHS = "/v1/policies/(.+)";

  private final DecisionPoint pdp;
  private final PdpMetrics metrics;
  private final Options options;

  private OpaApi(DecisionPoint pdp, PdpMetrics metrics, Options options) {
    this.pdp = pdp;
    this.metrics = metrics;
    this.options = options;
  }

  /** Builds the router of the API. */
  public static Router router(Vertx vertx, DecisionPoint pdp, PdpMetrics metrics, Options o) {
    OpaApi api = new OpaApi(pdp, metrics, o);
    Router r = Router.router(vertx);
    // OPA reads a body as JSON whatever its Content-Type but YAML (curl -d sends a form type); keep
    // Vert.x from decoding form bodies, which would refuse any over its attribute limit.
    r.route()
        .handler(
            ctx -> {
              String type = ctx.request().getHeader("Content-Type");
              if (type != null
                  && (type.startsWith("application/x-www-form-urlencoded")
                      || type.startsWith("multipart/"))) {
                ctx.request().headers().set("Content-Type", "application/octet-stream");
              }
              if (refuseUndecodableQuery(ctx)) {
                return;
              }
              ctx.next();
            });
    r.routeWithRegex(DATA_PATHS).handler(OpaApi::refuseUnroutedSpelling);
    r.routeWithRegex(POLICY_PATHS).handler(OpaApi::refuseUnroutedSpelling);
    // Before the body is read: a write without the token costs no buffering.
    for (HttpMethod m : List.of(HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE)) {
      r.routeWithRegex(m, DATA_PATHS).handler(api::requireWriteToken);
    }
    for (HttpMethod m : List.of(HttpMethod.PUT, HttpMethod.DELETE)) {
      r.routeWithRegex(m, POLICY_PATHS).handler(api::requireWriteToken);
    }
    r.route().handler(BodyHandler.create(false).setBodyLimit(o.bodyLimit()));
    r.route().handler(ctx -> RequestBodies.decode(ctx, o.bodyLimit()));
    r.post("/").blockingHandler(api::defaultDecision, false);
    r.routeWithRegex(HttpMethod.POST, DATA_PATHS).blockingHandler(api::queryData, false);
    r.routeWithRegex(HttpMethod.GET, DATA_PATHS).blockingHandler(api::queryData, false);
    r.routeWithRegex(HttpMethod.PUT, DATA_PATHS).blockingHandler(api::putData, false);
    r.routeWithRegex(HttpMethod.PATCH, DATA_PATHS).blockingHandler(api::patchData, false);
    r.routeWithRegex(HttpMethod.DELETE, DATA_PATHS).blockingHandler(api::deleteData, false);
    r.get("/v1/policies").handler(api::listPolicies);
    r.routeWithRegex(HttpMethod.GET, POLICY_PATHS).handler(api::getPolicy);
    r.routeWithRegex(HttpMethod.PUT, POLICY_PATHS).blockingHandler(api::putPolicy, false);
    r.routeWithRegex(HttpMethod.DELETE, POLICY_PATHS).blockingHandler(api::deletePolicy, false);
    r.get("/health").handler(api::health);
    r.get("/metrics").handler(api::metrics);
    r.route().last().handler(OpaApi::noEndpoint);
    r.route().failureHandler(OpaApi::failure);
    return r;
  }

  /**
   * Refuses a path that the router resolved to a document or a policy only by normalising it: one
   * that does not start with {@code /v1/data} or {@code /v1/policies/} as sent (such as {@code
   * /x/../v1/data/a} or {@code /v1/%64ata/a}), or that holds a {@code .} or {@code ..} segment,
   * escaped or not. The handlers read the path as sent, so such a request would read or write
   * another document than the one it was routed as ({@code /v1/data/a/../b} wrote {@code
   * data.a[".."].b}); OPA's clients never send one.
   */
  private static void refuseUnroutedSpelling(RoutingContext ctx) {
    String wrong = unroutedSpelling(ctx.request().path());
    if (wrong != null) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, wrong);
      return;
    }
    ctx.next();
  }

  /** Returns why {@code raw} is refused as a path of a document or a policy, or null. */
  private static String unroutedSpelling(String raw) {
    String prefix;
    if (raw.equals("/v1/data") || raw.startsWith("/v1/data/")) {
      prefix = "/v1/data";
    } else if (raw.startsWith("/v1/policies/")) {
      prefix = "/v1/policies/";
    } else {
      return "path \"" + raw + "\" names an API endpoint only once normalised; send it as meant";
    }
    for (String segment : raw.substring(prefix.length()).split("/", -1)) {
      String s = segment.replace("%2e", ".").replace("%2E", ".");
      if (s.equals(".") || s.equals("..")) {
        return "path \""
            + raw
            + "\" has a dot segment (\""
            + segment
            + "\"); send the path without it";
      }
    }
    return null;
  }

  /**
   * Lets a write through only with the API token; otherwise answers 401 (403 when this server takes
   * no writes at all) and logs the refusal with the peer, before any body is read.
   */
  private void requireWriteToken(RoutingContext ctx) {
    String twice = ApiToken.ambiguity(ctx.request().headers().getAll("Authorization"));
    if (twice != null) {
      refuseBeforeTheBody(ctx, twice);
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, twice);
      return;
    }
    ApiToken token = options.writeToken();
    if (token != null && token.admits(ctx.request().getHeader("Authorization"))) {
      ctx.next();
      return;
    }
    boolean presented = ctx.request().getHeader("Authorization") != null;
    refuseBeforeTheBody(
        ctx, token == null ? "writes are off" : presented ? "wrong token" : "no token");
    if (token == null) {
      ApiErrors.send(
          ctx,
          403,
          ApiErrors.UNAUTHORIZED,
          "this decision point takes no writes through its API; change policies and data"
              + " through the bundle");
      return;
    }
    ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"vigil\"");
    ApiErrors.send(
        ctx,
        401,
        ApiErrors.UNAUTHORIZED,
        presented
            ? "the API token presented is not this decision point's"
            : "writes need the API token: send Authorization: Bearer TOKEN"
                + " (docs/decision-point.md)");
  }

  /** Logs a refused write with its peer and closes the connection after the answer. */
  private static void refuseBeforeTheBody(RoutingContext ctx, String why) {
    String peer =
        ctx.request().remoteAddress() == null ? "?" : ctx.request().remoteAddress().toString();
    log.warn(
        "API write refused: {} {} from {}: {}",
        ctx.request().method(),
        ctx.request().path(),
        peer,
        why);
    if (ctx.request().version() != HttpVersion.HTTP_2) {
      // The body stays unread; closing is cheaper than reading it to keep the connection.
      ctx.response().putHeader("Connection", "close");
    }
  }

  private static void noEndpoint(RoutingContext ctx) {
    String path = ctx.request().path();
    String method = ctx.request().method().name();
    var allow = ApiEndpoints.allowed(path);
    // A document or policy path that normalises to no endpoint (/v1/policies/%2e%2e/x is /v1/x)
    // is refused for what it spells, not offered the methods of the endpoint it looks like.
    String wrong =
        path.startsWith("/v1/data") || path.startsWith("/v1/policies/")
            ? unroutedSpelling(path)
            : null;
    if (allow.isPresent() && wrong != null) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, wrong);
    } else if (allow.isPresent()) {
      ctx.response().putHeader("Allow", allow.get());
      ApiErrors.send(
          ctx,
          405,
          ApiErrors.INVALID_PARAMETER,
          "method " + method + " is not allowed on " + path + "; allowed: " + allow.get());
    } else {
      ApiErrors.send(
          ctx, 404, ApiErrors.RESOURCE_NOT_FOUND, "no API endpoint " + method + " " + path);
    }
  }

  /**
   * Answers 400 for a query that is not URL encoding ({@code ?a=%ZZ}), before any route reads it:
   * Vert.x decodes the query when it matches a route with a pattern, or when a handler asks a
   * parameter, and its exception answered {@code /health} 500 and other paths a bare 400, each with
   * a stack trace in the log.
   *
   * @return true when it answered
   */
  private static boolean refuseUndecodableQuery(RoutingContext ctx) {
    if (ctx.request().query() == null) {
      return false;
    }
    try {
      ctx.request().params();
      return false;
    } catch (IllegalArgumentException e) {
      String why = "the query is not URL encoding: " + e.getMessage();
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, why);
      return true;
    }
  }

  private static void failure(RoutingContext ctx) {
    int status = ctx.statusCode();
    if (status == 413) {
      ApiErrors.send(ctx, 413, ApiErrors.INVALID_PARAMETER, "request body is too large");
    } else if (status == 405) {
      ApiErrors.send(
          ctx,
          405,
          ApiErrors.INVALID_PARAMETER,
          "method " + ctx.request().method() + " is not allowed on " + ctx.request().path());
    } else if (status >= 400 && status < 500) {
      ApiErrors.send(ctx, status, ApiErrors.INVALID_PARAMETER, "bad request");
    } else {
      log.error(
          "request failed: {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      ApiErrors.send(ctx, 500, ApiErrors.INTERNAL_ERROR, "internal error");
    }
  }

  private void queryData(RoutingContext ctx) {
    long start = System.nanoTime();
    EvalOptions eval = budgetFromNow();
    PolicyPath path;
    Value input;
    try {
      String asked = ctx.request().path();
      path = PolicyPath.ofRequest(asked, segments(asked, "/v1/data"));
      input =
          ctx.request().method() == HttpMethod.POST
              ? inputFromBody(ctx, eval)
              : inputFromQuery(ctx, eval);
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
      return;
    }
    // OPA's modes notes, fails, full and debug ask for the trace; any other value, "off"
    // included, for none, as OPA ignores it. Without one the evaluation records nothing.
    TraceRecorder.Mode explain = TraceRecorder.Mode.of(ctx.request().getParam("explain"));
    TraceRecorder trace = explain == null ? null : new TraceRecorder(explain, EXPLANATION_LIMIT);
    Decision d = decide(ctx, path, input, trace, eval);
    if (d == null) {
      return;
    }
    Map<Value, Value> body = new HashMap<>();
    if (d.result() != null) {
      body.put(StringValue.of("result"), d.result());
    }
    body.put(StringValue.of("decision_id"), StringValue.of(d.decisionId()));
    if (flag(ctx, "metrics")) {
      Map<Value, Value> metrics = new HashMap<>();
      // A path in observe mode evaluates nothing: the answer has no evaluation time to report.
      if (d.timed()) {
        metrics.put(StringValue.of("timer_rego_query_eval_ns"), NumberValue.of(d.latencyNanos()));
      }
      metrics.put(
          StringValue.of("timer_server_handler_ns"), NumberValue.of(System.nanoTime() - start));
      body.put(StringValue.of("metrics"), ObjectValue.of(metrics));
    }
    if (flag(ctx, "provenance")) {
      body.put(StringValue.of("provenance"), provenance());
    }
    if (trace != null) {
      body.put(StringValue.of("explanation"), explanation(trace, flag(ctx, "pretty")));
      if (trace.truncated()) {
        body.put(
            StringValue.of("warning"),
            ObjectValue.of(
                StringValue.of("code"),
                StringValue.of("api_usage_warning"),
                StringValue.of("message"),
                StringValue.of(
                    "explanation cut at its first "
                        + EXPLANATION_LIMIT
                        + " events; ask explain=notes or explain=fails, which keep fewer")));
      }
    }
    sendJson(ctx, 200, ObjectValue.wrap(body));
  }

  /**
   * Returns the trace in OPA's form: trace events, or with {@code pretty} one line of text per
   * event (see {@link TraceJson}).
   */
  private static Value explanation(TraceRecorder trace, boolean pretty) {
    if (!pretty) {
      return TraceJson.events(trace.events());
    }
    List<Value> lines = new ArrayList<>();
    for (String line : TraceJson.pretty(trace.events())) {
      lines.add(StringValue.of(line));
    }
    return ArrayValue.of(lines);
  }

  /**
   * Decides and records the decision, tracing the evaluation to {@code tracer} when not null; on an
   * evaluation error, answers and returns null.
   */
  private Decision decide(
      RoutingContext ctx, PolicyPath p, Value input, Tracer tracer, EvalOptions budget) {
    EvalOptions eval = budget.withStrictBuiltinErrors(flag(ctx, "strict-builtin-errors"));
    Decision d =
        tracer == null
            ? pdp.decide(p, input, Map.of(), eval)
            : pdp.decideTraced(p, input, Map.of(), eval, tracer);
    metrics.record(d);
    if (d.error() != null) {
      ApiErrors.eval(ctx, d.error());
      return null;
    }
    return d;
  }

  private void defaultDecision(RoutingContext ctx) {
    EvalOptions eval = budgetFromNow();
    Value input;
    try {
      String text = RequestBodies.text(ctx);
      input = text == null || text.isBlank() ? null : parseBodyWithin(ctx, eval, text);
    } catch (JsonException e) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, bodyError(ctx, e));
      return;
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
      return;
    }
    PolicyPath path = PolicyPath.parse(options.defaultDecision());
    Decision d = decide(ctx, path, input, null, eval);
    if (d == null) {
      return;
    }
    if (d.result() == null) {
      ApiErrors.send(ctx, 404, ApiErrors.UNDEFINED_DOCUMENT, "document missing: " + path.query());
      return;
    }
    sendJson(ctx, 200, d.result());
  }

  private void listPolicies(RoutingContext ctx) {
    List<Value> list = new ArrayList<>();
    pdp.policies().forEach((id, raw) -> list.add(policy(id, raw)));
    sendJson(ctx, 200, ObjectValue.of(StringValue.of("result"), ArrayValue.of(list)));
  }

  private void getPolicy(RoutingContext ctx) {
    String id = policyId(ctx);
    String raw = pdp.policies().get(id);
    if (raw == null) {
      ApiErrors.send(
          ctx,
          404,
          ApiErrors.RESOURCE_NOT_FOUND,
          "storage_not_found_error: policy id \"" + id + "\"");
      return;
    }
    sendJson(ctx, 200, ObjectValue.of(StringValue.of("result"), policy(id, raw)));
  }

  private void putPolicy(RoutingContext ctx) {
    String id = policyId(ctx);
    byte[] body =
        RequestBodies.buffer(ctx) == null ? new byte[0] : RequestBodies.buffer(ctx).getBytes();
    try {
      pdp.putPolicy(id, PolicyText.decode(id, body));
    } catch (RegoException e) {
      ApiErrors.compile(ctx, e);
      return;
    } catch (DecisionPoint.ChangeRefused e) {
      refusedChange(ctx, "PUT", id, e);
      return;
    }
    sendJson(ctx, 200, ObjectValue.EMPTY);
  }

  private void deletePolicy(RoutingContext ctx) {
    String id = policyId(ctx);
    try {
      if (!pdp.deletePolicy(id)) {
        ApiErrors.send(
            ctx,
            404,
            ApiErrors.RESOURCE_NOT_FOUND,
            "storage_not_found_error: policy id \"" + id + "\"");
        return;
      }
    } catch (RegoException e) {
      ApiErrors.compile(ctx, e);
      return;
    } catch (DecisionPoint.ChangeRefused e) {
      refusedChange(ctx, "DELETE", id, e);
      return;
    }
    sendJson(ctx, 200, ObjectValue.EMPTY);
  }

  /**
   * Answers a policy write refused because it would leave a configured policy path undefined (see
   * {@link DecisionPoint.ChangeCheck}): 400 in OPA's error format, the message naming the path.
   */
  private static void refusedChange(
      RoutingContext ctx, String method, String id, DecisionPoint.ChangeRefused e) {
    log.warn("policy {} refused: id={} reason={}", method, id, e.getMessage());
    ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
  }

  private static Value policy(String id, String raw) {
    return ObjectValue.of(
        StringValue.of("id"), StringValue.of(id), StringValue.of("raw"), StringValue.of(raw));
  }

  private static String policyId(RoutingContext ctx) {
    return decode(ctx.request().path().substring("/v1/policies/".length()));
  }

  /**
   * Creates or overwrites a document as OPA does: where one is, it is written with JSON Patch's
   * {@code add} (so at an array index the value is inserted); where none is, objects are made on
   * the way first.
   */
  private void putData(RoutingContext ctx) {
    editData(
        ctx,
        (path, data) -> {
          Value value = parseBody(ctx);
          ObjectValue base = data;
          if (DataTree.get(data, path) != null) {
            String match = ctx.request().getHeader("If-None-Match");
            if (match != null && match.trim().equals("*")) {
              return null;
            }
          } else if (!path.isEmpty()) {
            base = DataTree.makeDir(data, path.subList(0, path.size() - 1));
          }
          return DataTree.write(base, DataTree.Op.ADD, path, value);
        });
  }

  /** Applies a JSON Patch (RFC 6902) below the path; all of it or, on any error, none. */
  private void patchData(RoutingContext ctx) {
    editData(
        ctx,
        (path, data) -> {
          Value ops = parseBody(ctx);
          if (!(ops instanceof ArrayValue list)) {
            throw new IllegalArgumentException("PATCH body must be a JSON array of operations");
          }
          ObjectValue out = data;
          for (Value op : list.elements()) {
            if (!(op instanceof ObjectValue o)
                || !(o.get("op") instanceof StringValue kind)
                || !(o.get("path") instanceof StringValue at)) {
              throw new IllegalArgumentException("each patch operation needs \"op\" and \"path\"");
            }
            List<String> full = new ArrayList<>(path);
            full.addAll(DataTree.pointer(at.value()));
            DataTree.Op write =
                switch (kind.value()) {
                  case "add" -> DataTree.Op.ADD;
                  case "replace" -> DataTree.Op.REPLACE;
                  case "remove" -> DataTree.Op.REMOVE;
                  default ->
                      throw new IllegalArgumentException(
                          "patch operation \""
                              + kind.value()
                              + "\" is not one of add, remove, replace");
                };
            Value v = o.get("value");
            if (write != DataTree.Op.REMOVE && v == null) {
              throw new IllegalArgumentException(
                  "patch operation " + kind.value() + " needs a \"value\"");
            }
            out = DataTree.write(out, write, full, v);
          }
          return out;
        });
  }

  private void deleteData(RoutingContext ctx) {
    editData(
        ctx,
        (path, data) -> {
          DataTree.read(data, path);
          return DataTree.write(data, DataTree.Op.REMOVE, path, null);
        });
  }

  private interface DataEdit {
    /** Returns the new tree, or null to change nothing (an If-None-Match hit). */
    ObjectValue apply(List<String> path, ObjectValue data);
  }

  private void editData(RoutingContext ctx, DataEdit edit) {
    List<String> path;
    try {
      path = segments(ctx.request().path(), "/v1/data");
      ownedByBundle(path);
    } catch (IllegalArgumentException e) {
      ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
      return;
    }
    synchronized (pdp) {
      try {
        ObjectValue next = edit.apply(path, pdp.apiData());
        if (next == null) {
          ctx.response().setStatusCode(304).end();
          return;
        }
        pdp.putData(next);
      } catch (StorageError e) {
        ApiErrors.send(ctx, e.kind().status, e.kind().apiCode, e.getMessage());
        return;
      } catch (IllegalArgumentException e) {
        ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
        return;
      } catch (RegoException e) {
        ApiErrors.compile(ctx, e);
        return;
      } catch (DecisionPoint.ChangeRefused e) {
        log.warn("data write refused: path={} reason={}", ctx.request().path(), e.getMessage());
        ApiErrors.send(ctx, 400, ApiErrors.INVALID_PARAMETER, e.getMessage());
        return;
      }
    }
    ctx.response().setStatusCode(204).end();
  }

  private void ownedByBundle(List<String> path) {
    Bundle b = pdp.activeBundle();
    if (b == null) {
      return;
    }
    String p = String.join("/", path);
    String root = b.manifest().overlappingRoot(p);
    if (root != null) {
      throw new IllegalArgumentException(
          "path \"/"
              + p
              + "\" is owned by bundle "
              + b.source()
              + " (root \""
              + root
              + "\"); change it through the bundle");
    }
  }

  private void health(RoutingContext ctx) {
    if (ctx.request().params().contains("bundles") && !options.bundlesReady().getAsBoolean()) {
      ctx.response()
          .setStatusCode(500)
          .putHeader("Content-Type", "application/json")
          .end("{\"error\":\"not all configured bundles have been activated\"}\n");
      return;
    }
    sendJson(ctx, 200, ObjectValue.EMPTY);
  }

  private void metrics(RoutingContext ctx) {
    ctx.response()
        .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape());
  }

  private Value provenance() {
    Map<Value, Value> p = new HashMap<>();
    p.put(StringValue.of("version"), StringValue.of(VERSION));
    String revision = pdp.revision();
    if (!revision.isEmpty()) {
      p.put(
          StringValue.of("bundles"),
          ObjectValue.of(
              StringValue.of("vigil"),
              ObjectValue.of(StringValue.of("revision"), StringValue.of(revision))));
    }
    return ObjectValue.wrap(p);
  }

  /**
   * Returns the options of a decision whose time budget starts now, before its input is read, so
   * that reading the input counts against the budget of the decision.
   */
  private EvalOptions budgetFromNow() {
    EvalOptions eval = pdp.evalOptions();
    return eval.withBudgetStart(eval.nanoClock().getAsLong());
  }

  /**
   * Parses a request's JSON charged to the time budget of {@code eval}, which its decision then
   * goes on spending: a document that takes longer to read than the whole budget is refused as the
   * client's fault, naming {@code what} it came in. Its size is bounded by the body limit before,
   * and its nesting to {@link Json#MAX_DEPTH} levels as it is parsed.
   *
   * @throws JsonException when the text is not JSON or nests too deep
   * @throws IllegalArgumentException when reading it ran out of the decision's time budget
   */
  private static Value parseWithin(EvalOptions eval, String text, String what) {
    TimeBudget budget = eval.startBudget();
    try {
      return Json.parse(text, budget::charge);
    } catch (RegoException e) {
      throw new IllegalArgumentException(
          what
              + " not read: its "
              + text.length()
              + " characters of JSON take longer to parse than the decision's time budget of "
              + eval.timeout().toMillis()
              + " ms; send a smaller input");
    }
  }

  private static Value inputFromBody(RoutingContext ctx, EvalOptions eval) {
    if (RequestBodies.length(ctx) == 0) {
      return null;
    }
    Value body;
    try {
      body = parseBodyWithin(ctx, eval, RequestBodies.text(ctx));
    } catch (JsonException e) {
      throw new IllegalArgumentException(bodyError(ctx, e));
    }
    if (!(body instanceof ObjectValue o)) {
      throw new IllegalArgumentException(
          "request body must be a JSON object like {\"input\": ...}, not " + body.typeName());
    }
    return o.get("input");
  }

  private static Value inputFromQuery(RoutingContext ctx, EvalOptions eval) {
    String text = ctx.request().getParam("input");
    if (text == null) {
      return null;
    }
    try {
      return parseWithin(eval, text, "query parameter input");
    } catch (JsonException e) {
      throw new IllegalArgumentException("query parameter input is not JSON: " + e.getMessage());
    }
  }

  /**
   * Parses the body of a decision as {@link #parseWithin} does, as YAML when its {@code
   * Content-Type} says so (OPA reads both); YAML is bounded by the body limit and by {@link
   * Yaml#parse}'s depth and alias limits.
   */
  private static Value parseBodyWithin(RoutingContext ctx, EvalOptions eval, String text) {
    return RequestBodies.isYaml(ctx) ? Yaml.parse(text) : parseWithin(eval, text, "request body");
  }

  private static Value parseBody(RoutingContext ctx) {
    if (RequestBodies.length(ctx) == 0) {
      throw new IllegalArgumentException("request body is empty; send a JSON or YAML document");
    }
    try {
      String text = RequestBodies.text(ctx);
      return RequestBodies.isYaml(ctx) ? Yaml.parse(text) : Json.parse(text);
    } catch (JsonException e) {
      throw new IllegalArgumentException(bodyError(ctx, e));
    }
  }

  private static String bodyError(RoutingContext ctx, JsonException e) {
    return "request body is not valid "
        + (RequestBodies.isYaml(ctx) ? "YAML" : "JSON")
        + " at line "
        + e.line()
        + ", column "
        + e.column()
        + ": "
        + e.getMessage();
  }

  /** Splits the path after the prefix into percent-decoded segments. */
  static List<String> segments(String rawPath, String prefix) {
    String rest = rawPath.length() > prefix.length() ? rawPath.substring(prefix.length()) : "";
    List<String> out = new ArrayList<>();
    for (String s : rest.split("/")) {
      if (!s.isEmpty()) {
        out.add(decode(s));
      }
    }
    return out;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("path segment \"" + s + "\" has a bad percent-encoding");
    }
  }

  /**
   * Reads a flag as OPA's server does: on when given bare ({@code ?metrics}) or when one of its
   * values is {@code true} in any case; any other value ({@code 0}, {@code no}, {@code false}) is
   * off, as it is for OPA's clients.
   */
  private static boolean flag(RoutingContext ctx, String name) {
    List<String> values = ctx.request().params().getAll(name);
    if (values.size() == 1 && values.get(0).isEmpty()) {
      return true;
    }
    return values.stream().anyMatch(v -> v.equalsIgnoreCase("true"));
  }

  private static void sendJson(RoutingContext ctx, int status, Value body) {
    boolean pretty = flag(ctx, "pretty");
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(ApiErrors.json(body, pretty) + (pretty ? "\n" : ""));
  }
}
