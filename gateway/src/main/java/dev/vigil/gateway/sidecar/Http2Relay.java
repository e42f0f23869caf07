package dev.vigil.gateway.sidecar;

import dev.vigil.gateway.http.AnswerHygiene;
import dev.vigil.gateway.http.ProxyExchange;
import dev.vigil.gateway.http.RequestGuard;
import dev.vigil.gateway.upstream.DirectUpstream;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 *
 * <p>A stream to the app is held to an idle limit ({@link StreamIdle}), as the HTTP/1.1 relay holds
 * its connections to the app: when nothing goes to the app or comes from it for that long, before
 * its answer or during it, the app's stream is reset ({@code CANCEL}) and the caller answered as
 * for an app that failed (before the answer: the caller's {@code failed}; after: its stream reset),
 * the reason logged. A call that keeps moving either way is never cut.
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
   * those Vigil writes itself ({@link AnswerHygiene}); another sidecar's answer keeps them. With
   * {@code idleMillis} above 0, the stream fails once nothing has crossed it for that long.
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
      long idleMillis,
      Consumer<Throwable> failed) {
    StreamIdle idle = new StreamIdle(idleMillis);
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
              idle.start(out);
              req.response()
                  .endHandler(
                      v -> {
                        idle.stop();
                        release.run();
                      });
              // The caller went away (its stream reset, its connection closed): so does this one.
              req.response()
                  .closeHandler(
                      v -> {
                        idle.stop();
                        release.run();
                        if (!req.response().ended()) {
                          out.reset(ProxyExchange.CANCEL);
                        }
                      });
              return ProxyExchange.sendBody(req, out, idle::moved)
                  .onSuccess(
                      RequestGuard.guard(
                          req,
                          listener,
                          decisionId,
                          502,
                          resp -> answer(req, resp, listener, decisionId, fromApp, idle)));
            })
        .onFailure(
            RequestGuard.guard(
                req,
                listener,
                decisionId,
                502,
                e -> {
                  idle.stop();
                  failed.accept(idle.why(e));
                }));
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
      boolean fromApp,
      StreamIdle idle) {
    idle.answering();
    HttpServerResponse answer = req.response().setStatusCode(resp.statusCode());
    Set<String> named = ProxyExchange.connectionOptions(resp.headers());
    for (Map.Entry<String, String> h : resp.headers()) {
      String name = h.getKey();
      if (!name.startsWith(":")
          && (ProxyExchange.relayed(name, named) || name.equalsIgnoreCase("content-length"))
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
          idle.moved();
          answer.write(chunk);
          if (answer.writeQueueFull()) {
            // Held back by the caller, not by the app: the wait is not the app's idleness.
            idle.held(true);
            resp.pause();
            answer.drainHandler(
                d -> {
                  idle.held(false);
                  resp.resume();
                });
          }
        });
    AtomicBoolean failed = new AtomicBoolean();
    resp.exceptionHandler(
        e -> {
          idle.stop();
          if (!failed.compareAndSet(false, true)) {
            return;
          }
          Throwable why = idle.why(e);
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
                        why.getMessage() == null
                            ? why.getClass().getSimpleName()
                            : why.getMessage());
                    answer.reset(INTERNAL_ERROR);
                  });
        });
    resp.endHandler(
        v -> {
          idle.stop();
          for (Map.Entry<String, String> t : resp.trailers()) {
            if (!(fromApp && AnswerHygiene.owned(t.getKey(), t.getValue()))) {
              answer.trailers().add(t.getKey(), t.getValue());
            }
          }
          answer.end();
        });
  }

  /**
   * The idle limit of one stream to the app, as the HTTP/1.1 relay's idle timeout on its connection
   * to the app ({@link DirectUpstream#IDLE_SECONDS}): the stream fails once nothing has gone to the
   * app (a piece of the caller's body) or come from it (the answer's head, a piece of its body) for
   * the limit, waiting for the answer's head included. Time the relay itself holds the answer back,
   * because the caller cannot take more yet, does not count. One timer per stream, set again on
   * expiry for what is left instead of at every piece, as Netty's idle handler does. With a limit
   * of 0 it does nothing. Used on the request's event loop only.
   */
  static final class StreamIdle {

    private final long millis;
    private Vertx vertx;
    private HttpClientRequest out;
    private long last;
    private long timer = -1;
    private boolean answering;
    private boolean held;
    private boolean over;
    private TimeoutException expired;

    StreamIdle(long millis) {
      this.millis = millis;
    }

    /** Starts watching {@code out}, just sent. */
    void start(HttpClientRequest out) {
      if (millis <= 0 || over) {
        return;
      }
      this.vertx = Vertx.currentContext().owner();
      this.out = out;
      this.last = System.nanoTime();
      this.timer = vertx.setTimer(millis, this::check);
    }

    /** Something crossed the stream: a piece of the body went, or a piece of the answer came. */
    void moved() {
      last = System.nanoTime();
    }

    /** Notes that the answer has begun, so that an expiry says the answer stalled. */
    void answering() {
      answering = true;
      moved();
    }

    /** Marks the time the relay holds the answer back for a caller that cannot take more. */
    void held(boolean h) {
      held = h;
      moved();
    }

    /** Stops watching: the stream ended, or failed for another reason. */
    void stop() {
      over = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }

    /** Returns the reason the stream failed: the expiry when there was one, else {@code e}. */
    Throwable why(Throwable e) {
      return expired != null ? expired : e;
    }

    private void check(long id) {
      timer = -1;
      if (over) {
        return;
      }
      long left = millis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - last);
      if (held || left > 0) {
        timer = vertx.setTimer(held ? millis : Math.max(1, left), this::check);
        return;
      }
      over = true;
      String limit = millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
      expired =
          new TimeoutException(
              answering
                  ? "the app's answer stalled: nothing came or went on its stream for " + limit
                  : "the app did not answer: nothing came or went on its stream for " + limit);
      out.reset(ProxyExchange.CANCEL, expired);
    }
  }
}
