package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.core.http.HttpServerRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/** The sidecar's error answers: JSON with a stable code, a message and the decision id. */
final class Replies {

  private Replies() {}

  static void error(
      HttpServerRequest req, int status, String code, String message, String decisionId) {
    if (req.response().ended()) {
      return;
    }
    RequestBodies.resume(req);
    Map<Value, Value> body = new LinkedHashMap<>();
    body.put(StringValue.of("error"), StringValue.of(code));
    body.put(StringValue.of("message"), StringValue.of(message));
    var resp = req.response().setStatusCode(status).putHeader("Content-Type", "application/json");
    if (decisionId != null) {
      body.put(StringValue.of("decision_id"), StringValue.of(decisionId));
      resp.putHeader("X-Vigil-Decision-Id", decisionId);
    }
    resp.end(Json.write(ObjectValue.wrap(body)));
  }
}
