package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.AnswerHygiene;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestGuard;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays one request and its answer over HTTP/2 to the next hop (the app over h2c, or another
 * workload's sidecar over mutual TLS with ALPN {@code h2}), trailers included: what gRPC needs end
 * to end, since a call's outcome ({@code grpc-status}, {@code grpc-message}) travels in the
 * answer's trailers.
 *
 * <p>The HTTP/1.1 relays ({@link Relay}) stay as they are; this one is used only where HTTP/2 was
 * asked for. Bodies stream both ways with back-pressure, and every message of a streaming call goes
 * on as it comes. Connection-specific fields never cross (RFC 9113 section 8.2.2), except {@code
 * TE: trailers}, which gRPC servers look for. The caller's {@code :authority} (or {@code Host})
 * goes on to the next hop. When the caller resets its stream, the next hop's stream is reset too;
 * when the next hop fails after its answer began, the caller's stream is reset (HTTP/2) or its
 * connection closed (HTTP/1.1), so a failure is never passed off as a complete answer. Request
 * trailers are not relayed (gRPC clients send none).
 */
final class Http2Relay {

  private static final Logger log = LoggerFactory.getLogger(Http2Relay.class);

  /** The HTTP/2 error code INTERNAL_ERROR (RFC 9113 section 7). */
  static final long INTERNAL_ERROR = 0x2;

  private Http2Relay() {}

  /**
   * Sends {@code req} (paused by the caller, on its event loop) with {@code headers} through {@code
   * client} to {@code host:port} and relays the answer, trailers included; calls {@code failed}
   * when the next hop cannot be reached or failed before its answer began. A fault of a step of the
   * relay is answered 502 there, logged with {@code listener} and carrying {@code decisionId} (or
   * null). With {@code fromApp} (the next hop is the app) the answer's headers and trailers lose
   * those Vigil writes itself ({@link AnswerHygiene}); another sidecar's answer keeps them.
   */
  static void send(
      HttpServerRequest req,
      HttpClient client,
      String host,
      int port,
      String uri,
      MultiMap headers,
      String listener,
      String decisionId,
      CallKeepAlive keepAlive,
      boolean pingNextHop,
      boolean fromApp,
      Consumer<Throwable> failed) {
    RequestOptions ro =
        new RequestOptions().setMethod(req.method()).setHost(host).setPort(port).setURI(uri);
    for (Map.Entry<String, String> h : headers) {
      String name = h.getKey();
      if (name.startsWith(":")) {
        continue;
      }
      if (ProxyExchange.relayed(name)) {
        ro.addHeader(name, h.getValue());
      } else if (name.equalsIgnoreCase("te") && h.getValue().strip().equalsIgnoreCase("trailers")) {
        ro.addHeader("te", "trailers");
      }
    }
    HostAndPort authority = authority(req);
    client
        .request(ro)
        .compose(
            out -> {
              if (authority != null) {
                out.authority(authority);
              }
              Runnable release = hold(req, out, keepAlive, pingNextHop);
              req.response().endHandler(v -> release.run());
              // The caller went away (its stream reset, its connection closed): so does this one.
              req.response()
                  .closeHandler(
                      v -> {
                        release.run();
                        if (!req.response().ended()) {
                          out.reset(ProxyExchange.CANCEL);
                        }
                      });
              return ProxyExchange.sendBody(req, out)
                  .onSuccess(
                      RequestGuard.guard(
                          req,
                          listener,
                          decisionId,
                          502,
                          resp -> answer(req, resp, listener, decisionId, fromApp)));
            })
        .onFailure(RequestGuard.guard(req, listener, decisionId, 502, failed::accept));
  }

  /**
   * Keeps the call's HTTP/2 connections open while it lasts: the caller's, and the next hop's when
   * {@code pingNextHop} (another sidecar; never the app). Returns what lets them go.
   */
  private static Runnable hold(
      HttpServerRequest req, HttpClientRequest out, CallKeepAlive keepAlive, boolean pingNextHop) {
    Runnable caller =
        req.version() == HttpVersion.HTTP_2 ? keepAlive.hold(req.connection()) : () -> {};
    Runnable hop = pingNextHop ? keepAlive.hold(out.connection()) : () -> {};
    return () -> {
      caller.run();
      hop.run();
    };
  }

  /** Returns the authority the caller named, or null to let the client derive one. */
  private static HostAndPort authority(HttpServerRequest req) {
    HostAndPort a = req.authority();
    if (a != null) {
      return a;
    }
    String host = req.headers().get("Host");
    return host == null ? null : HostAndPort.parseAuthority(host, -1);
  }

  /**
   * Answers the caller with the next hop's status, headers, body and trailers, as they come. When
   * the next hop fails part way, the caller's stream is reset with {@code INTERNAL_ERROR} (RFC 9113
   * section 7), not {@code NO_ERROR}, which tells an HTTP/2 client that nothing went wrong (a gRPC
   * client reads {@code INTERNAL}, not a retryable {@code UNAVAILABLE}, for a call that may have
   * run in part), and the failure is logged with the decision id.
   */
  private static void answer(
      HttpServerRequest req,
      HttpClientResponse resp,
      String listener,
      String decisionId,
      boolean fromApp) {
    HttpServerResponse answer = req.response().setStatusCode(resp.statusCode());
    for (Map.Entry<String, String> h : resp.headers()) {
      String name = h.getKey();
      if (!name.startsWith(":")
          && (ProxyExchange.relayed(name) || name.equalsIgnoreCase("content-length"))
          && !(fromApp && AnswerHygiene.owned(name, h.getValue()))) {
        answer.headers().add(name, h.getValue());
      }
    }
    if (!answer.headers().contains("Content-Length")) {
      // Over HTTP/1.1 to the caller, chunks carry the body and, at the end, the trailers.
      answer.setChunked(true);
    }
    resp.handler(
        chunk -> {
          answer.write(chunk);
          if (answer.writeQueueFull()) {
            resp.pause();
            answer.drainHandler(d -> resp.resume());
          }
        });
    AtomicBoolean failed = new AtomicBoolean();
    resp.exceptionHandler(
        e -> {
          if (!failed.compareAndSet(false, true)) {
            return;
          }
          // Looked at on the next turn of the event loop: when the caller went first (cancelled, or
          // its connection was lost), its response is marked closed only after the sidecar's own
          // reset of the next hop has come back here, and that is no fault of the next hop's.
          Vertx.currentContext()
              .runOnContext(
                  v -> {
                    if (req.response().closed()) {
                      return;
                    }
                    log.warn(
                        "next hop failed after its answer began: listener={} decision_id={}"
                            + " reason={}",
                        listener,
                        decisionId,
                        e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                    answer.reset(INTERNAL_ERROR);
                  });
        });
    resp.endHandler(
        v -> {
          for (Map.Entry<String, String> t : resp.trailers()) {
            if (!(fromApp && AnswerHygiene.owned(t.getKey(), t.getValue()))) {
              answer.trailers().add(t.getKey(), t.getValue());
            }
          }
          answer.end();
        });
  }
}
