package dev.vigil.identity.agent;

import dev.vigil.httpkit.SmallHttpServer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import javax.net.ServerSocketFactory;

/**
 * Serves Prometheus metrics over plain HTTP at {@code /metrics}, for {@code vigil agent
 * --metrics-addr}: the identity metrics (SVIDs issued and failed, earliest root expiry per trust
 * domain) and any other binders given. Served by {@link SmallHttpServer}, which refuses a request
 * head with a folded field (RFC 9112 §5.2) as every Vigil listener does. Thread-safe; {@link
 * #close()} stops it.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private final SmallHttpServer server;

  private MetricsEndpoint(SmallHttpServer server) {
    this.server = server;
  }

  /**
   * Binds {@code binders} to a fresh Prometheus registry and serves it on {@code address}.
   *
   * @throws IOException when the address cannot be bound
   */
  public static MetricsEndpoint start(InetSocketAddress address, MeterBinder... binders)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    for (MeterBinder b : binders) {
      b.bindTo(registry);
    }
    SmallHttpServer server =
        SmallHttpServer.start(
            address, ServerSocketFactory.getDefault(), 1, request -> answer(request, registry));
    return new MetricsEndpoint(server);
  }

  private static SmallHttpServer.Answer answer(
      SmallHttpServer.Request request, PrometheusMeterRegistry registry) {
    String path;
    try {
      path = URI.create(request.target()).getPath();
    } catch (IllegalArgumentException e) {
      return SmallHttpServer.Answer.text(400, "text/plain", "bad request: the target is no URI\n");
    }
    if (path == null || !(path.equals("/metrics") || path.startsWith("/metrics/"))) {
      return SmallHttpServer.Answer.text(404, "text/plain", "no such page; see /metrics\n");
    }
    if (!request.method().equals("GET")) {
      return SmallHttpServer.Answer.text(405, "text/plain", "only GET is served here\n");
    }
    return SmallHttpServer.Answer.text(
        200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
  }

  /** Returns the scrape URL, such as {@code http://127.0.0.1:9464/metrics}. */
  public URI uri() {
    InetSocketAddress a = server.address();
    String host = a.getAddress().getHostAddress();
    return URI.create(
        "http://"
            + (host.contains(":") ? "[" + host + "]" : host)
            + ":"
            + a.getPort()
            + "/metrics");
  }

  @Override
  public void close() {
    server.close();
  }
}
