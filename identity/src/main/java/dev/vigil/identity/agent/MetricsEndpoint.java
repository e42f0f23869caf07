package dev.vigil.identity.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves Prometheus metrics over plain HTTP at {@code /metrics}, for {@code vigil agent
 * --metrics-addr}: the identity metrics (SVIDs issued and failed, earliest root expiry per trust
 * domain) and any other binders given. Thread-safe; {@link #close()} stops it.
 */
public final class MetricsEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  private MetricsEndpoint(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
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
    HttpServer server = HttpServer.create(address, 0);
    server.createContext("/metrics", exchange -> answer(exchange, registry));
    ExecutorService executor = Executors.newSingleThreadExecutor();
    server.setExecutor(executor);
    server.start();
    return new MetricsEndpoint(server, executor);
  }

  private static void answer(HttpExchange exchange, PrometheusMeterRegistry registry)
      throws IOException {
    try (exchange) {
      boolean get = exchange.getRequestMethod().equals("GET");
      byte[] body =
          (get ? registry.scrape() : "only GET is served here\n").getBytes(StandardCharsets.UTF_8);
      exchange
          .getResponseHeaders()
          .set("Content-Type", get ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain");
      exchange.sendResponseHeaders(get ? 200 : 405, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Returns the scrape URL, such as {@code http://127.0.0.1:9464/metrics}. */
  public URI uri() {
    InetSocketAddress a = server.getAddress();
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
    server.stop(0);
    executor.shutdownNow();
  }
}
