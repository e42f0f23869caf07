package dev.vigil.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The two halves of relaying one HTTP exchange that the edge gateway and the sidecar share: the
 * client's body sent upstream as it came (a length, chunks, or none), and the upstream's answer
 * piped back without the headers that belong to one hop (RFC 9110 §7.6.1).
 */
public final class ProxyExchange {

  /** Headers of one connection, never relayed (the length is set again where it applies). */
  public static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length");

  private ProxyExchange() {}

  /** Tells whether a request or response header of that name is relayed. */
  public static boolean relayed(String headerName) {
    return !HOP_BY_HOP.contains(headerName.toLowerCase(Locale.ROOT));
  }

  /**
   * Sends the client's body (paused until now) upstream the way it came, and returns the answer.
   */
  public static Future<HttpClientResponse> sendBody(HttpServerRequest req, HttpClientRequest out) {
    out.headers().remove("Content-Length");
    if (req.headers().contains("Content-Length")) {
      out.putHeader("Content-Length", req.headers().get("Content-Length"));
      return out.send(req);
    }
    if (req.headers().contains("Transfer-Encoding")) {
      out.setChunked(true);
      return out.send(req);
    }
    // No body: send none, and let the request end.
    req.resume();
    return out.send();
  }

  /** Answers the client with the upstream's status, end-to-end headers and body. */
  public static void relayAnswer(HttpServerRequest req, HttpClientResponse resp) {
    HttpServerResponse answer = req.response().setStatusCode(resp.statusCode());
    answer.setStatusMessage(resp.statusMessage());
    for (Map.Entry<String, String> h : resp.headers()) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(n) || n.equals("content-length")) {
        answer.headers().add(h.getKey(), h.getValue());
      }
    }
    if (!answer.headers().contains("Content-Length")) {
      answer.setChunked(true);
    }
    resp.pipeTo(answer);
  }
}
