package dev.vigil.gateway.http;

import io.vertx.core.http.HttpServerRequest;

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
}
