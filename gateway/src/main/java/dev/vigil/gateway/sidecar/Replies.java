package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The sidecar's error answers: JSON with a stable code, a message and the decision id; or, to a
 * gRPC caller, a gRPC status it understands.
 *
 * <p>A gRPC client reads the outcome of a call from {@code grpc-status}, not from the HTTP status
 * or a body, and treats an answer without {@code Content-Type: application/grpc} as a transport
 * fault. So a gRPC request (its {@code Content-Type} is {@code application/grpc}, alone or with a
 * {@code +codec} suffix) is refused the way Envoy answers a gRPC caller locally, its ext_authz
 * denials included: a Trailers-Only answer (HTTP 200, no body, {@code grpc-status} and {@code
 * grpc-message} in the one header block that ends the stream), with the status gRPC maps the HTTP
 * status to (gRPC's doc/http-grpc-status-mapping.md): a denial becomes 7 PERMISSION_DENIED. The
 * decision id is in {@code grpc-message} and in the {@code x-vigil-decision-id} trailer.
 */
final class Replies {

  private Replies() {}

  static void error(
      HttpServerRequest req, int status, String code, String message, String decisionId) {
    if (req.response().ended()) {
      return;
    }
    // A refusal never invites a body held back for 100 Continue: see RequestBodies.withheld.
    RequestBodies.closeIfWithheld(req);
    RequestBodies.resume(req);
    if (isGrpc(req)) {
      grpcError(req, status, code, message, decisionId);
      return;
    }
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

  /**
   * Tells whether {@code req} is a gRPC call (gRPC over HTTP/2, PROTOCOL-HTTP2.md); not gRPC-Web.
   */
  static boolean isGrpc(HttpServerRequest req) {
    String type = req.headers().get("Content-Type");
    if (type == null) {
      return false;
    }
    String t = type.strip().toLowerCase(Locale.ROOT);
    return t.equals("application/grpc")
        || t.startsWith("application/grpc+")
        || t.startsWith("application/grpc;");
  }

  private static void grpcError(
      HttpServerRequest req, int status, String code, String message, String decisionId) {
    String text =
        message + " (" + code + (decisionId == null ? "" : ", decision " + decisionId) + ")";
    var resp =
        req.response()
            .setStatusCode(200)
            .putHeader("Content-Type", "application/grpc")
            .putHeader("grpc-status", Integer.toString(grpcStatus(status)))
            .putHeader("grpc-message", percentEncoded(text));
    if (decisionId != null) {
      resp.putHeader("X-Vigil-Decision-Id", decisionId);
    }
    resp.end();
  }

  /** Returns the gRPC status code gRPC's own mapping gives an HTTP status. */
  static int grpcStatus(int httpStatus) {
    return switch (httpStatus) {
      case 400, 500 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }

  /**
   * Encodes {@code grpc-message} as gRPC requires: bytes of UTF-8 outside printable ASCII, and
   * {@code %} itself, as {@code %XX} (PROTOCOL-HTTP2.md, "Responses").
   */
  static String percentEncoded(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= 0x20 && c <= 0x7e && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
        out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
