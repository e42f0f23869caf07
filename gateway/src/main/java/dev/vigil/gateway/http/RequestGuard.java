package dev.vigil.gateway.http;

import dev.vigil.pdp.Decision;
import dev.vigil.rego.value.Json;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fails a request closed when a step of its handling throws.
 *
 * <p>The gateway answers most requests from a continuation: a Vert.x future's callback after the
 * decision, the body, a provider's answer or the upstream's connection, or a Netty listener. An
 * unexpected {@link RuntimeException} thrown there goes back to Vert.x or Netty, which only log it;
 * the request is never answered, and the client waits on its HTTP/2 stream or HTTP/1.1 connection
 * until the idle timeout. So every continuation of a request runs through {@link #guard} (the
 * request handlers themselves, which get no wrapper, call {@link #failed} from their own catch). A
 * fault is logged once, with the route and the request's path, and the request is answered with a
 * short JSON error, 500 or 502 (the upstream side failed), with the decision id when there is one.
 * When the answer had already begun, its end can no longer be told: the HTTP/2 stream is reset, or
 * the HTTP/1.x connection closed, rather than left open. The client never sees the exception.
 *
 * <p>Cost: one small wrapper per continuation, nothing on the way when no step throws. Every
 * handler of the gateway guards its continuations through here, as it resumes bodies through {@link
 * RequestBodies}.
 */
public final class RequestGuard {

  private static final Logger log = LoggerFactory.getLogger(RequestGuard.class);

  private RequestGuard() {}

  /**
   * Returns {@code step} guarded: a {@link RuntimeException} it throws fails {@code req} closed.
   * When the step is handed a {@link Decision}, or the result of one, the refusal carries that
   * decision's id.
   *
   * @param route the route's name for the log, or null before routing
   * @param decisionId the id of the request's decision, or null when there is none yet
   * @param status 500, or 502 for a step on the upstream's side
   */
  public static <T> Handler<T> guard(
      HttpServerRequest req, String route, String decisionId, int status, Handler<T> step) {
    return guard(req, route, decisionId, status, null, step);
  }

  /**
   * Returns the guarded continuation of a refusal being logged: once the log has it, the answer
   * names its decision id in {@code X-Vigil-Decision-Id} (when the log could take it) and {@code
   * answer} runs, whatever the log did.
   */
  public static Handler<AsyncResult<String>> afterRefusalLogged(
      HttpServerRequest req, Runnable answer) {
    return guard(
        req,
        null,
        null,
        500,
        logged -> {
          if (logged.succeeded() && logged.result() != null) {
            req.response().putHeader("X-Vigil-Decision-Id", logged.result());
          }
          answer.run();
        });
  }

  /**
   * Runs {@code work} on the worker pool (it may block: a password hash, a call to the store), then
   * {@code answer} with its result on the request's context, guarded: work that throws fails the
   * request closed with 500 and is logged once, as a step that throws.
   */
  public static <T> void offLoop(HttpServerRequest req, Callable<T> work, Consumer<T> answer) {
    Vertx.currentContext()
        .owner()
        .executeBlocking(work, false)
        .onComplete(guard(req, null, null, 500, done -> answerWith(done, answer)));
  }

  /**
   * Runs {@code answer} with the result of {@code work} (running on threads of its own, such as the
   * node's password checks) on the request's context, guarded as {@link #offLoop} is: work that
   * fails fails the request closed with 500 and is logged once.
   */
  public static <T> void whenDone(
      HttpServerRequest req, CompletionStage<T> work, Consumer<T> answer) {
    Future.fromCompletionStage(work, Vertx.currentContext())
        .onComplete(guard(req, null, null, 500, done -> answerWith(done, answer)));
  }

  private static <T> void answerWith(AsyncResult<T> done, Consumer<T> answer) {
    if (done.failed()) {
      // Thrown as it came (unwrapped from a CompletableFuture's wrapper), for the guard to log and
      // answer once.
      Throwable cause =
          done.cause() instanceof CompletionException c && c.getCause() != null
              ? c.getCause()
              : done.cause();
      if (cause instanceof RuntimeException e) {
        throw e;
      }
      throw new IllegalStateException(cause);
    }
    answer.accept(done.result());
  }

  /**
   * As {@link #guard(HttpServerRequest, String, String, int, Handler)}, with {@code release} run
   * first after a fault, to let go of what the step held (an upstream connection).
   */
  public static <T> Handler<T> guard(
      HttpServerRequest req,
      String route,
      String decisionId,
      int status,
      Runnable release,
      Handler<T> step) {
    return value -> {
      try {
        step.handle(value);
      } catch (RuntimeException e) {
        if (release != null) {
          try {
            release.run();
          } catch (RuntimeException r) {
            // Logged with the fault; the request is answered all the same.
            e.addSuppressed(r);
          }
        }
        failed(req, route, decisionOf(value, decisionId), status, e);
      }
    };
  }

  /**
   * Answers {@code req} after {@code fault} (the status with a JSON error, or a reset when the
   * answer has begun) and logs the fault once. Never throws.
   *
   * @param route the route's name for the log, or null before routing
   * @param decisionId the id of the request's decision, or null
   * @param status 500, or 502 for a fault on the upstream's side
   */
  public static void failed(
      HttpServerRequest req, String route, String decisionId, int status, Throwable fault) {
    HttpServerResponse resp = req.response();
    // Logged before the answer goes out, so that whoever sees the answer finds the entry.
    String outcome =
        resp.ended() ? "already sent" : resp.headWritten() ? "reset" : Integer.toString(status);
    log.error(
        "request failed in the gateway: route={} path={} decision_id={} answer={}",
        route == null ? "-" : route,
        req.path(),
        decisionId == null ? "-" : decisionId,
        outcome,
        fault);
    try {
      answer(req, resp, decisionId, status);
    } catch (RuntimeException e) {
      // The answer could not be written either: the client must not be left waiting on it.
      cut(resp);
    }
  }

  private static void answer(
      HttpServerRequest req, HttpServerResponse resp, String decisionId, int status) {
    if (resp.ended()) {
      // The answer went out whole before the fault: nothing is left to tell the client. A body
      // still held back for 100 Continue will never be read as this request's: the connection
      // goes, before bytes sent later could be read as a request of their own.
      if (RequestBodies.withheld(req)) {
        req.connection().close();
        return;
      }
      RequestBodies.resume(req);
      return;
    }
    if (resp.headWritten()) {
      cut(resp);
      return;
    }
    // The fault's answer does not invite a body held back: see RequestBodies.withheld.
    RequestBodies.closeIfWithheld(req);
    RequestBodies.resume(req);
    // Whatever the failed step had put on the answer (an upstream's length, a cookie) is dropped,
    // but for the closing of a connection whose body stays unread.
    boolean close = "close".equals(resp.headers().get("Connection"));
    resp.headers().clear();
    if (close) {
      resp.putHeader("Connection", "close");
    }
    resp.setChunked(false);
    resp.setStatusCode(status).setStatusMessage(HttpResponseStatus.valueOf(status).reasonPhrase());
    resp.putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store");
    if (decisionId != null) {
      resp.putHeader("X-Vigil-Decision-Id", decisionId);
    }
    if (req.decoderResult().isFailure()) {
      // The request's own framing could not be read: nothing after it on this connection can be.
      resp.putHeader("Connection", "close");
    }
    resp.end(body(status, decisionId));
  }

  /** Resets the HTTP/2 stream, or closes the HTTP/1.x connection, of an answer already begun. */
  private static void cut(HttpServerResponse resp) {
    try {
      resp.reset();
    } catch (RuntimeException e) {
      // Already closed: there is nothing left to cut.
    }
  }

  private static String body(int status, String decisionId) {
    String code = status == 502 ? "upstream_fault" : "internal_error";
    String message =
        status == 502
            ? "the gateway failed while relaying the upstream's answer"
            : "the gateway failed while handling the request";
    return "{\"error\":\""
        + code
        + "\",\"message\":\""
        + message
        + "\""
        + (decisionId == null ? "" : ",\"decision_id\":" + Json.quote(decisionId))
        + "}";
  }

  /** Returns the id of the decision a step was handed, else {@code given}. */
  private static String decisionOf(Object value, String given) {
    if (given != null) {
      return given;
    }
    if (value instanceof Decision d) {
      return d.decisionId();
    }
    if (value instanceof AsyncResult<?> ar && ar.succeeded() && ar.result() instanceof Decision d) {
      return d.decisionId();
    }
    return null;
  }
}
