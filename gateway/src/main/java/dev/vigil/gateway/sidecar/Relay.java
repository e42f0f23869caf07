package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.ProxyExchange;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Relays one HTTP/1.1 request and its answer between a sidecar listener and the next hop (the app
 * on loopback, or another workload's sidecar), streaming bodies both ways. Hop-by-hop headers stay
 * on their own hop (RFC 9110 section 7.6.1).
 */
final class Relay {

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
      if (ProxyExchange.relayed(h.getKey())) {
        ro.addHeader(h.getKey(), h.getValue());
      }
    }
    if (req.headers().get("Host") != null) {
      ro.putHeader("Host", req.headers().get("Host"));
    }
    client
        .request(ro)
        .compose(out -> ProxyExchange.sendBody(req, out))
        .onSuccess(resp -> ProxyExchange.relayAnswer(req, resp))
        .onFailure(failed::accept);
  }
}
