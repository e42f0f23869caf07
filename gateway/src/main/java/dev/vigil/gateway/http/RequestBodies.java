package dev.vigil.gateway.http;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
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
   * Reads the body of a paused request whole, up to {@code max} bytes. Fails with {@link TooLarge}
   * as soon as the body is known to be longer, by its {@code Content-Length} (before any of it is
   * read or invited) or by the bytes that came, and reads no more of it: the caller answers 413 and
   * the connection is closed after the answer ({@link TooLarge#refuse}). Unlike Vert.x's {@code
   * body()}, which holds whatever a client sends, however large, until its end.
   */
  public static Future<Buffer> capped(HttpServerRequest req, int max) {
    if (announcesMoreThan(req, max)) {
      return Future.failedFuture(new TooLarge(max));
    }
    if (req.isEnded()) {
      return Future.succeededFuture(Buffer.buffer());
    }
    Promise<Buffer> read = Promise.promise();
    Buffer body = Buffer.buffer();
    req.handler(
        chunk -> {
          if (read.future().isComplete()) {
            return;
          }
          if (body.length() + chunk.length() > max) {
            req.pause();
            read.tryFail(new TooLarge(max));
            return;
          }
          body.appendBuffer(chunk);
        });
    req.endHandler(v -> read.tryComplete(body));
    req.exceptionHandler(read::tryFail);
    resume(req);
    return read.future();
  }

  /** Tells whether the request's {@code Content-Length} announces more than {@code max} bytes. */
  public static boolean announcesMoreThan(HttpServerRequest req, long max) {
    String length = req.headers().get("Content-Length");
    if (length == null) {
      return false;
    }
    try {
      return Long.parseLong(length.strip()) > max;
    } catch (NumberFormatException e) {
      // Not a length a decoder let through over HTTP/1.x; too long to be one, or not a number.
      return true;
    }
  }

  /** A body longer than its reader takes ({@link #capped}). */
  public static final class TooLarge extends RuntimeException {

    TooLarge(int max) {
      super("the request body is larger than " + max + " bytes", null, false, false);
    }

    /**
     * Readies the answer to the request whose body was too large: {@code Connection: close}, and
     * the connection closed once the answer is sent, since the rest of the body is never read.
     */
    public static void refuse(HttpServerRequest req) {
      req.response().putHeader("Connection", "close").endHandler(v -> req.connection().close());
    }
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
