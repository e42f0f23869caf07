package dev.vigil.gateway.edge;

import dev.vigil.access.Grant;
import dev.vigil.access.GrantException;
import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.BoundedWork;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.httpkit.StrictJson;
import dev.vigil.pdp.Timestamps;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Just-in-time access at the gateway, for the signed-in caller (docs/access.md), in JSON:
 *
 * <ul>
 *   <li>{@code POST /auth/access/requests} ({@code entitlement}, {@code duration}, {@code reason})
 *       asks for a grant: 201 with it;
 *   <li>{@code GET /auth/access/requests}: the caller's own grants (and {@code HEAD}, as for every
 *       {@code GET} here);
 *   <li>{@code POST /auth/access/break-glass} ({@code entitlement}, {@code duration}, {@code
 *       reason}) takes a grant at once where the entitlement allows it: 201;
 *   <li>{@code GET /auth/access/pending}: the requests the caller may decide;
 *   <li>{@code POST /auth/access/requests/ID/approve} ({@code reason}, optional) and {@code
 *       .../deny} ({@code reason}).
 * </ul>
 *
 * <p>The caller is found as on a route that names no identity provider (a local user's session, the
 * default provider's session or bearer token); without one the answer is 401. A decision is matched
 * to the entitlement's approvers by the caller's user id, sign-in (local or the provider) and
 * groups ({@link dev.vigil.access.Entitlement#approvableBy}). A post must be {@code
 * application/json} (which no cross-site form can send) and must not come from a page of another
 * origin ({@link AuthEndpoints#sentByOwnPageOrScript}), as {@code /auth/logout}. Every call to the
 * store runs off the event loop. A refused input is 400 naming the field; a decision that is not
 * the caller's to make 403; a grant in the wrong state 409.
 */
final class AccessEndpoints {

  static final String PREFIX = "/auth/access/";
  static final String REQUESTS = "/auth/access/requests";
  private static final Pattern DECIDE =
      Pattern.compile("/auth/access/requests/([A-Za-z0-9-]{1,64})/(approve|deny)");
  private static final Set<String> ASK_FIELDS = Set.of("entitlement", "duration", "reason");
  private static final Set<String> DECIDE_FIELDS = Set.of("reason");

  private static final Logger log = LoggerFactory.getLogger(AccessEndpoints.class);

  private final Grants grants;
  private final Callers callers;
  private final InstantSource clock;

  AccessEndpoints(Grants grants, Callers callers, InstantSource clock) {
    this.grants = grants;
    this.callers = callers;
    this.clock = clock;
  }

  /** Whether {@code path} is one of these endpoints. */
  static boolean serves(String path) {
    return path.equals(REQUESTS)
        || path.equals("/auth/access/break-glass")
        || path.equals("/auth/access/pending")
        || DECIDE.matcher(path).matches();
  }

  /** Answers a request under {@link #PREFIX}; returns false for a path that is none of these. */
  boolean handle(HttpServerRequest req, String path) {
    if (!serves(path)) {
      return false;
    }
    Matcher decide = DECIDE.matcher(path);
    decide.matches();
    boolean post = path.equals("/auth/access/break-glass") || decide.matches();
    // HEAD is answered wherever GET is, as RFC 9110 section 9.3.2 asks: the same status and
    // headers, and no body (the server leaves it out).
    boolean read = req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD;
    if (path.equals(REQUESTS)) {
      if (!read && req.method() != HttpMethod.POST) {
        notAllowed(req, "GET, HEAD, POST");
        return true;
      }
    } else if (post ? req.method() != HttpMethod.POST : !read) {
      notAllowed(req, post ? "POST" : "GET, HEAD");
      return true;
    }
    if (req.method() == HttpMethod.POST && !postable(req)) {
      return true;
    }
    callers
        .identifyOwn(req, path)
        .onComplete(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                ar -> {
                  if (ar.failed() && ar.cause() instanceof BoundedWork.Busy b) {
                    RequestBodies.resume(req);
                    req.response().putHeader("Retry-After", Long.toString(b.retryAfterSeconds()));
                    error(req, 503, "busy", null, b.getMessage());
                    return;
                  }
                  Session s = ar.succeeded() ? ar.result().session() : null;
                  if (s == null) {
                    RequestBodies.resume(req);
                    error(req, 401, "authentication_required", null, "sign in first");
                    return;
                  }
                  route(req, path, decide, s);
                }));
    return true;
  }

  private void route(HttpServerRequest req, String path, Matcher decide, Session s) {
    if (req.method() == HttpMethod.GET || req.method() == HttpMethod.HEAD) {
      RequestBodies.resume(req);
      if (path.equals(REQUESTS)) {
        answer(req, 200, () -> list(grants.of(s.userId(), s.provider())));
      } else {
        answer(req, 200, () -> list(grants.pendingFor(s.userId(), s.provider(), s.groups())));
      }
      return;
    }
    if (path.equals(REQUESTS)) {
      withBody(
          req,
          ASK_FIELDS,
          f ->
              answer(
                  req,
                  201,
                  () ->
                      one(
                          grants.request(
                              s.userId(),
                              s.provider(),
                              f.get("entitlement"),
                              f.get("duration"),
                              f.get("reason")))));
    } else if (path.equals("/auth/access/break-glass")) {
      withBody(
          req,
          ASK_FIELDS,
          f ->
              answer(
                  req,
                  201,
                  () ->
                      one(
                          grants.breakGlass(
                              s.userId(),
                              s.provider(),
                              f.get("entitlement"),
                              f.get("duration"),
                              f.get("reason")))));
    } else {
      String id = decide.group(1);
      boolean approve = decide.group(2).equals("approve");
      withBody(
          req,
          DECIDE_FIELDS,
          f ->
              answer(
                  req,
                  200,
                  () ->
                      one(
                          approve
                              ? grants.approve(
                                  id, s.userId(), s.provider(), s.groups(), f.get("reason"))
                              : grants.deny(
                                  id, s.userId(), s.provider(), s.groups(), f.get("reason")))));
    }
  }

  /**
   * Refuses a post a browser page of another origin may have sent: it must be JSON (a cross-site
   * form cannot send that type without the page being allowed to) and not from another origin.
   */
  private static boolean postable(HttpServerRequest req) {
    String type = req.getHeader("Content-Type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
      RequestBodies.resume(req);
      error(
          req, 415, "bad_request", null, "the body must be JSON (Content-Type: application/json)");
      return false;
    }
    if (!AuthEndpoints.sentByOwnPageOrScript(req)) {
      RequestBodies.resume(req);
      log.warn(
          "access request refused: posted by another origin; origin={} source={}",
          AuthEndpoints.printable(String.valueOf(req.getHeader("Origin"))),
          AuthEndpoints.source(req));
      error(req, 403, "forbidden", null, "it was not sent by a page of this gateway");
      return false;
    }
    return true;
  }

  private interface Fields {
    void accept(Map<String, String> fields);
  }

  /** Reads a JSON object of string members among {@code allowed}, or answers 400 naming why. */
  private static void withBody(HttpServerRequest req, Set<String> allowed, Fields then) {
    AuthEndpoints.body(
        req,
        true,
        (Buffer body) -> {
          Map<String, String> f;
          try {
            f = fields(utf8(body.getBytes()), allowed);
          } catch (GrantException e) {
            error(req, 400, e.code(), e.field(), e.getMessage());
            return;
          }
          then.accept(f);
        });
  }

  /**
   * Decodes a body as UTF-8, the only encoding of JSON between systems (RFC 8259 §8.1). A lenient
   * decode would store each bad byte of a reason as U+FFFD: the audit trail would not hold what was
   * sent.
   */
  static String utf8(byte[] body) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(body))
          .toString();
    } catch (CharacterCodingException e) {
      throw new GrantException("bad_request", null, "body is not UTF-8 text");
    }
  }

  static Map<String, String> fields(String text, Set<String> allowed) {
    Value v;
    try {
      v = text.isBlank() ? ObjectValue.wrap(Map.of()) : Json.parse(text);
      if (!text.isBlank()) {
        StrictJson.requireUniqueKeys("access request body", text);
      }
    } catch (JsonException | IllegalArgumentException e) {
      throw new GrantException("bad_request", null, "body is not valid JSON: " + e.getMessage());
    }
    if (!(v instanceof ObjectValue o)) {
      throw new GrantException("bad_request", null, "body must be a JSON object");
    }
    Map<String, String> m = new HashMap<>();
    for (Value k : o.keys()) {
      String name = k instanceof StringValue ks ? ks.value() : String.valueOf(k);
      if (!allowed.contains(name)) {
        throw new GrantException(
            "bad_request",
            name,
            "unknown field \""
                + AuthEndpoints.printable(name)
                + "\"; the fields are "
                + String.join(", ", allowed.stream().sorted().toList()));
      }
      Value val = o.get(k);
      if (val instanceof NullValue) {
        continue;
      }
      if (!(val instanceof StringValue sv)) {
        throw new GrantException(
            "bad_request", name, name + " must be a string, like \"30m\" for a duration");
      }
      m.put(name, sv.value());
    }
    return m;
  }

  /** Runs {@code work} off the event loop; answers its JSON, or the refusal it threw. */
  private static void answer(HttpServerRequest req, int status, Callable<String> work) {
    RequestGuard.offLoop(
        req,
        () -> {
          try {
            return new Answer(status, work.call(), null);
          } catch (GrantException e) {
            return new Answer(0, null, e);
          }
        },
        a -> {
          if (a.refusal() != null) {
            GrantException e = a.refusal();
            error(req, status(e), e.code(), e.field(), e.getMessage());
            return;
          }
          req.response()
              .setStatusCode(a.status())
              .putHeader("Content-Type", "application/json")
              .putHeader("Cache-Control", "no-store")
              .end(a.json());
        });
  }

  private record Answer(int status, String json, GrantException refusal) {}

  /** The HTTP status of a refusal: 404, 403, 409, or 400 for a bad input. */
  static int status(GrantException e) {
    return switch (e.code()) {
      case "not_found" -> 404;
      case "forbidden" -> 403;
      case "conflict" -> 409;
      default -> 400;
    };
  }

  private String list(List<Grant> list) {
    Instant now = clock.instant();
    return "{\"grants\":"
        + Json.write(ArrayValue.of(list.stream().map(g -> value(g, now)).toList()))
        + "}";
  }

  private String one(Grant g) {
    return Json.write(value(g, clock.instant()));
  }

  /** A grant as the endpoints and the console show it. */
  static Value value(Grant g, Instant now) {
    Map<Value, Value> m = new HashMap<>();
    put(m, "id", StringValue.of(g.id()));
    put(m, "subject", StringValue.of(g.subject()));
    // A user id names a person only with its provider: another provider's "alice" is not ours.
    put(m, "provider", StringValue.of(g.idp()));
    put(m, "entitlement", StringValue.of(g.entitlement()));
    put(m, "reason", StringValue.of(g.reason()));
    put(m, "state", StringValue.of(g.stateAt(now).wireName()));
    put(m, "requested_at", time(g.requestedAt()));
    put(m, "duration_s", NumberValue.of(g.duration().toSeconds()));
    put(m, "break_glass", BooleanValue.of(g.breakGlass()));
    put(m, "decided_by", text(g.decidedBy()));
    put(m, "decided_by_provider", text(g.decidedByProvider()));
    put(m, "decided_at", time(g.decidedAt()));
    put(m, "decision_reason", text(g.decisionReason()));
    put(m, "starts_at", time(g.startsAt()));
    put(m, "expires_at", time(g.expiresAt()));
    if (g.breakGlass()) {
      put(m, "reviewed_by", text(g.reviewedBy()));
      put(m, "reviewed_at", time(g.reviewedAt()));
    }
    if (g.endedAt() != null) {
      put(m, "revoked_by", text(g.endedBy()));
      put(m, "revoked_at", time(g.endedAt()));
    }
    return ObjectValue.wrap(m);
  }

  private static Value time(Instant t) {
    return t == null ? NullValue.NULL : StringValue.of(Timestamps.iso(t));
  }

  private static Value text(String s) {
    return s == null ? NullValue.NULL : StringValue.of(s);
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }

  private static void notAllowed(HttpServerRequest req, String allow) {
    RequestBodies.resume(req);
    req.response().putHeader("Allow", allow);
    error(req, 405, "method_not_allowed", null, "use " + allow);
  }

  private static void error(
      HttpServerRequest req, int status, String code, String field, String message) {
    if (req.response().ended()) {
      return;
    }
    Map<Value, Value> m = new HashMap<>();
    put(m, "error", StringValue.of(code));
    put(m, "message", StringValue.of(message));
    if (field != null) {
      put(m, "field", StringValue.of(field));
    }
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .putHeader("Cache-Control", "no-store")
        .end(Json.write(ObjectValue.wrap(m)));
  }
}
