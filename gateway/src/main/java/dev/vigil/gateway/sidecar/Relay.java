package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.upstream.DirectUpstream;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Relays one HTTP/1.1 request and its answer between a sidecar listener and the next hop (the app
 * on loopback, or another workload's sidecar), streaming bodies both ways. Hop-by-hop headers stay
 * on their own hop (RFC 9110 section 7.6.1), and the client's {@code Host} goes on to the next hop.
 * The app's answer loses the headers Vigil writes itself ({@link
 * dev.vigil.gateway.http.AnswerHygiene}); another sidecar's answer keeps them (its refusals carry
 * its decision id, and it has already cleaned its own app's answer).
 */
final class Relay {

  /** Header values are the client's (already checked by the decoder) or the sidecar's own. */
  private static final HttpHeadersFactory APP_HEADERS =
      DefaultHttpHeadersFactory.headersFactory().withValidation(false);

  private Relay() {}

  /**
   * Sends {@code req} (paused by the caller, on its event loop) with {@code headers} to the app at
   * plain {@code http://host:port} over {@code app}'s keep-alive connections and pipes the answer
   * back; calls {@code failed} when the app cannot be reached or failed before its answer began. A
   * fault of the relay itself is answered 502 there, logged with {@code listener} and carrying
   * {@code decisionId}.
   */
  static void toApp(
      HttpServerRequest req,
      DirectUpstream app,
      String host,
      int port,
      String uri,
      MultiMap headers,
      String listener,
      String decisionId,
      Consumer<Throwable> failed) {
    HttpHeaders out = APP_HEADERS.newHeaders();
    for (Map.Entry<String, String> h : headers) {
      if (ProxyExchange.relayed(h.getKey())) {
        out.add(h.getKey(), h.getValue());
      }
    }
    // Over HTTP/2 the caller names the host in :authority (RFC 9113 section 8.3.1), which the
    // HTTP/1.1 relay writes as Host (RFC 9110 section 7.2).
    String clientHost = req.headers().get("Host");
    if (clientHost == null && req.authority() != null) {
      clientHost = req.authority().toString();
    }
    if (clientHost != null) {
      out.set("Host", clientHost);
    }
    app.relay(req, host, port, uri, out, listener, decisionId)
        .onFailure(RequestGuard.guard(req, listener, decisionId, 502, failed::accept));
  }

  /**
   * Sends {@code req} (paused by the caller) with {@code headers} through {@code client} (the
   * outbound listener's mutual TLS pool) to {@code host:port} and pipes the answer back; calls
   * {@code failed} when the next hop cannot be reached or answered. A fault of a step of the relay
   * is answered 502 there, and logged with {@code listener}.
   */
  static void send(
      HttpServerRequest req,
      HttpClient client,
      String host,
      int port,
      String uri,
      MultiMap headers,
      String listener,
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
        .onSuccess(
            RequestGuard.guard(
                req, listener, null, 502, resp -> ProxyExchange.relayAnswer(req, resp, false)))
        .onFailure(RequestGuard.guard(req, listener, null, 502, failed::accept));
  }
}
