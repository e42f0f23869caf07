package dev.vigil.pdp;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Serves one listening address from every event loop of a Vert.x instance.
 *
 * <p>Why: an HTTP server made outside a verticle is bound to one event loop, whatever the size of
 * the pool, so one core did all of a listener's socket work, parsing and inline decisions while the
 * others waited. Vert.x shares one bound socket between the servers of an instance that listen on
 * the same address and hands each new connection to the next of them in turn, so one server per
 * event loop spreads the connections over all of them. A connection stays on its loop for its whole
 * life (and at the gateway, so do the upstream connections that relay its requests). The gateway's
 * listeners and the control plane's API are served so.
 */
public final class LoopListeners {

  /**
   * The system property that sets how many event loops each of Vigil's HTTP servers (the gateway,
   * the control plane) runs, for a machine shared with other busy processes; by default one per
   * processor but one.
   */
  public static final String PROPERTY = "vigil.event_loops";

  /**
   * The groups of servers listening on one free port, numbered for Vert.x (see {@link #listen}).
   */
  private static final AtomicInteger ANY_PORT_GROUPS = new AtomicInteger();

  private LoopListeners() {}

  /**
   * The number of event loops to run: {@value #PROPERTY} when set, else one per processor but one,
   * and at least one. Why one fewer: every request also costs the decision log's writer about a
   * third of what it costs its event loop, and the collector and compiler run beside them; on two
   * cores shared with clients and upstreams a second loop made the slowest answers slower (docs/
   * benchmarks.md, session 8) while a machine with more cores still gets nearly all of them.
   *
   * @throws IllegalArgumentException naming the property when it is not a whole number from 1 to
   *     256
   */
  public static int configured() {
    String v = System.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }
    int n;
    try {
      n = Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      n = 0;
    }
    if (n < 1 || n > 256) {
      throw new IllegalArgumentException(
          "-D" + PROPERTY + "=" + v + ": expected a whole number of event loops from 1 to 256");
    }
    return n;
  }

  /**
   * Makes one server per event loop of {@code vertx} with {@code make}, each on a context of its
   * own loop, and listens with all of them on the address their options name.
   *
   * @param port the port to listen on, or 0 for any free one (the same for all the servers)
   * @param make makes a server that is ready to listen (options, handlers) on the port it is given;
   *     called once per loop
   * @return the port they listen on
   * @throws Exception as {@link Future#await} throws it when a server cannot listen; the servers
   *     that did listen keep listening until {@code vertx} closes
   */
  public static int listen(Vertx vertx, int port, IntFunction<HttpServer> make) throws Exception {
    VertxInternal internal = (VertxInternal) vertx;
    // Vert.x shares a bound socket between servers that ask for the same port; for a free port it
    // shares one between those asking for the same negative number, and binds anew for each 0.
    int asked = port == 0 ? -ANY_PORT_GROUPS.incrementAndGet() : port;
    int actual = -1;
    for (EventExecutor loop : internal.nettyEventLoopGroup()) {
      ContextInternal ctx = internal.contextBuilder().withEventLoop((EventLoop) loop).build();
      Promise<HttpServer> listening = ctx.promise();
      ctx.runOnContext(v -> make.apply(asked).listen().onComplete(listening));
      int got = listening.future().await(30, TimeUnit.SECONDS).actualPort();
      // The first server of a free-port group does not learn the port it bound; the others do.
      if (got > 0 && actual > 0 && got != actual) {
        throw new IllegalStateException(
            "the listeners of one address got different ports: " + actual + " and " + got);
      }
      actual = Math.max(actual, got);
    }
    if (actual <= 0) {
      throw new IllegalStateException("the listeners of port " + port + " got no port");
    }
    return actual;
  }
}
