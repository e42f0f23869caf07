package dev.vigil.gateway.sidecar;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Relays one HTTP/1.1 request and its answer between a sidecar listener and the next hop (the app
 * on loopback, or another workload's sidecar), streaming bodies both ways. Hop-by-hop headers stay
 * on their own hop (RFC 9110 section 7.6.1).
 */
final class Relay {

  private static final Set<String> HOP_BY_HOP =
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

  private Relay() {}

  /**
   * Sends {@code req} (paused by the caller) with {@code headers} to {@code host:port} and pipes
   * the answer back; calls {@code failed} when the next hop cannot be reached or answered.
   */
  static void send(
      HttpServerRequest req,
      HttpClient client,
      String host,
      int port,
      String uri,
      MultiMap headers,
      Consumer<Throwable> failed) {
    RequestOptions ro =
        new RequestOptions().setMethod(req.method()).setHost(host).setPort(port).setURI(uri);
    for (Map.Entry<String, String> h : headers) {
      if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
        ro.addHeader(h.getKey(), h.getValue());
      }
    }
    if (req.headers().get("Host") != null) {
      ro.putHeader("Host", req.headers().get("Host"));
    }
    client
        .request(ro)
        .compose(
            out -> {
              if (req.headers().contains("Content-Length")) {
                out.putHeader("Content-Length", req.headers().get("Content-Length"));
                return out.send(req);
              }
              if (req.headers().contains("Transfer-Encoding")) {
                out.setChunked(true);
                return out.send(req);
              }
              req.resume();
              return out.send();
            })
        .onSuccess(
            resp -> {
              var answer = req.response().setStatusCode(resp.statusCode());
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
            })
        .onFailure(failed::accept);
  }
}
