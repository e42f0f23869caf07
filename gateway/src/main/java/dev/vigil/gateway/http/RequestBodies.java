package dev.vigil.gateway.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * Lets a paused request's body flow, whichever HTTP version carries it.
 *
 * <p>Handlers pause a request on arrival and resume it once they know what to do with its body,
 * sometimes after having read it whole ({@link HttpServerRequest#body()}). Over HTTP/1.x resuming a
 * request that has ended does nothing; over HTTP/2 (TLS, or h2c by upgrade or prior knowledge)
 * Vert.x throws {@code IllegalStateException: Request has already been read}, the answer that was
 * about to be written is never written, and the client waits on its stream until the connection's
 * idle timeout. Every handler of the gateway and the sidecar resumes through here.
 */
public final class RequestBodies {

  private RequestBodies() {}

  /** Resumes {@code req} unless its body has ended already. */
  public static void resume(HttpServerRequest req) {
    if (!req.isEnded()) {
      req.resume();
    }
  }

  /**
   * Tells whether the request expects {@code 100 Continue} before it sends its body (RFC 9110
   * §10.1.1: {@code Expect: 100-continue}, the one expectation defined, in any case).
   */
  public static boolean expectsContinue(HttpServerRequest req) {
    if (!req.headers().contains("Expect")) {
      return false;
    }
    for (String expect : req.headers().getAll("Expect")) {
      if (expect.strip().equalsIgnoreCase("100-continue")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Invites the body of a request that expects {@code 100 Continue} ({@link #expectsContinue}) by
   * answering it, once the request has passed the checks that could refuse it: only then is the
   * body wanted. Not to an HTTP/1.0 client, which must not get one (RFC 9110 §15.2), nor once the
   * body has come anyway.
   */
  public static void invite(HttpServerRequest req) {
    if (req.version() != HttpVersion.HTTP_1_0 && !req.isEnded()) {
      req.response().writeContinue();
    }
  }

  /**
   * Tells whether the client is holding its body back until invited: an HTTP/1.x request with
   * {@code Expect} whose body has not come. A request refused without the invitation is answered
   * with its connection closed (RFC 9110 §10.1.1 leaves the server to close or to read on): the
   * body may never come, and the connection would wait for it.
   */
  public static boolean withheld(HttpServerRequest req) {
    return req.version() != HttpVersion.HTTP_2
        && !req.isEnded()
        && req.headers().contains("Expect");
  }

  /**
   * Readies the answer to a request refused without inviting its body: when the client holds the
   * body back ({@link #withheld}), the answer says {@code Connection: close} and the connection
   * closes once it is sent, so that bytes the client sends later are never read as its next
   * request. Call before the body is resumed and the answer written.
   */
  public static void closeIfWithheld(HttpServerRequest req) {
    if (withheld(req)) {
      req.response().putHeader("Connection", "close").endHandler(v -> req.connection().close());
    }
  }
}
