package dev.vigil.gateway.sidecar;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the HTTP/2 connections of relayed calls open while a call is under way, by sending HTTP/2
 * PING frames (RFC 9113 section 6.7) on them.
 *
 * <p>Why: every sidecar connection closes after a time without a byte either way (30 s between
 * sidecars, 60 s on a listener), which bounds idle and half-open connections. A gRPC server stream
 * may rightly be quiet for longer (a watch that has nothing to report), and without this its
 * connection, and the call with it, was cut after 30 s. A PING and its acknowledgement are traffic
 * on both ends, so they restart both idle timers. Pings are sent only while a relayed call holds
 * the connection: a connection with no call still idles out, so a client that opens connections and
 * sends nothing is not kept alive by the sidecar. The app's connection is never pinged (a gRPC
 * server counts frequent pings as abuse and closes the connection; the sidecar puts no idle limit
 * on it instead).
 *
 * <p>A ping also tells a live peer from a dead one. A peer that is gone without a word (its host
 * down, the network between cut) leaves a connection that no idle timer closes while its pings keep
 * it busy, and the calls on it would wait until TCP gave up, which takes many minutes. So a ping
 * still unanswered when the next one is due closes the connection: its calls fail at once, and the
 * callers see the stream reset.
 *
 * <p>Thread-safe.
 */
final class CallKeepAlive {

  /** The interval of the pings: under the shortest idle timeout (30 s), with room to spare. */
  static final long DEFAULT_INTERVAL_MS = 20_000;

  private static final Logger log = LoggerFactory.getLogger(CallKeepAlive.class);

  private static final Buffer PING = Buffer.buffer("vigil-ka");

  private final Vertx vertx;
  private final long intervalMs;
  private final Map<HttpConnection, Held> held = new IdentityHashMap<>();

  /** The calls that hold one connection, the timer that pings it, and its unanswered ping. */
  private static final class Held {
    int calls;
    long timer;
    boolean awaitingAck;
  }

  CallKeepAlive(Vertx vertx, long intervalMs) {
    if (intervalMs <= 0) {
      throw new IllegalArgumentException("ping interval must be positive, not " + intervalMs);
    }
    this.vertx = vertx;
    this.intervalMs = intervalMs;
  }

  /**
   * Holds {@code connection} open for one call, and returns what lets it go; running that more than
   * once has no further effect.
   */
  Runnable hold(HttpConnection connection) {
    synchronized (held) {
      Held h = held.computeIfAbsent(connection, c -> new Held());
      if (h.calls++ == 0) {
        h.timer = vertx.setPeriodic(intervalMs, id -> ping(connection));
      }
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        release(connection);
      }
    };
  }

  private void ping(HttpConnection connection) {
    Held h;
    boolean unanswered;
    synchronized (held) {
      h = held.get(connection);
      if (h == null) {
        return;
      }
      unanswered = h.awaitingAck;
      h.awaitingAck = true;
    }
    if (unanswered) {
      log.warn(
          "closing an HTTP/2 connection to {}: its peer did not answer a ping within {} ms",
          connection.remoteAddress(),
          intervalMs);
      connection.close();
      return;
    }
    try {
      connection
          .ping(PING)
          .onSuccess(
              ack -> {
                synchronized (held) {
                  h.awaitingAck = false;
                }
              });
    } catch (RuntimeException e) {
      // The connection is closing: the call fails on its own, and releases its hold then.
    }
  }

  private void release(HttpConnection connection) {
    synchronized (held) {
      Held h = held.get(connection);
      if (h != null && --h.calls == 0) {
        vertx.cancelTimer(h.timer);
        held.remove(connection);
      }
    }
  }

  /** Returns the number of connections held now (for tests). */
  int held() {
    synchronized (held) {
      return held.size();
    }
  }
}
