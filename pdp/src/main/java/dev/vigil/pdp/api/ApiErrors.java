package dev.vigil.pdp.api;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Writes errors in OPA's body shape: {@code code}, {@code message}, {@code errors[]}. */
final class ApiErrors {

  static final String INVALID_PARAMETER = "invalid_parameter";
  static final String INTERNAL_ERROR = "internal_error";
  static final String RESOURCE_NOT_FOUND = "resource_not_found";
  static final String RESOURCE_CONFLICT = "resource_conflict";
  static final String UNDEFINED_DOCUMENT = "undefined_document";
  static final String UNAUTHORIZED = "unauthorized";

  private ApiErrors() {}

  static void send(RoutingContext ctx, int status, String code, String message) {
    send(ctx, status, code, message, List.of());
  }

  static void send(
      RoutingContext ctx, int status, String code, String message, List<RegoError> errors) {
    Map<Value, Value> body = new HashMap<>();
    body.put(StringValue.of("code"), StringValue.of(code));
    body.put(StringValue.of("message"), StringValue.of(message));
    if (!errors.isEmpty()) {
      List<Value> list = new ArrayList<>();
      for (RegoError e : errors) {
        Map<Value, Value> m = new HashMap<>();
        m.put(StringValue.of("code"), StringValue.of(e.code()));
        m.put(StringValue.of("message"), StringValue.of(e.message()));
        if (e.location() != null && e.location().line() > 0) {
          m.put(
              StringValue.of("location"),
              ObjectValue.of(
                  StringValue.of("file"), StringValue.of(e.location().file()),
                  StringValue.of("row"), NumberValue.of(e.location().line()),
                  StringValue.of("col"), NumberValue.of(e.location().column())));
        }
        list.add(ObjectValue.wrap(m));
      }
      body.put(StringValue.of("errors"), ArrayValue.of(list));
    }
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.writePretty(ObjectValue.wrap(body)) + "\n");
  }

  /** Reports errors from compiling policies: 400, as OPA answers a bad policy upload. */
  static void compile(RoutingContext ctx, RegoException e) {
    send(ctx, 400, INVALID_PARAMETER, "error(s) occurred while compiling module(s)", e.errors());
  }

  /** Reports errors from evaluating a query: 500, as OPA answers them. */
  static void eval(RoutingContext ctx, RegoException e) {
    int n = e.errors().size();
    String msg = n == 1 ? e.errors().get(0).toString() : n + " errors occurred";
    send(ctx, 500, INTERNAL_ERROR, msg, e.errors());
  }

  static String json(Value v, boolean pretty) {
    return pretty ? Json.writePretty(v) : Json.write(v);
  }
}
