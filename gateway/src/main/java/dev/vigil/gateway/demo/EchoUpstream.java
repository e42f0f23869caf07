package dev.vigil.gateway.demo;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The demo's {@code echo} upstream: answers every request with the method, path and headers it
 * received, as JSON, so a user can see exactly what the gateway forwards, including the identity
 * assertion.
 */
public final class EchoUpstream implements AutoCloseable {

  private final HttpServer server;

  private EchoUpstream(HttpServer server) {
    this.server = server;
  }

  /** Starts the echo server on a loopback address. */
  public static EchoUpstream start(String host, int port, String name) throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress(host, port), 0);
    s.setExecutor(
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "vigil-demo-echo");
              t.setDaemon(true);
              return t;
            }));
    s.createContext(
        "/",
        ex -> {
          Map<Value, Value> headers = new HashMap<>();
          ex.getRequestHeaders()
              .forEach(
                  (k, v) -> {
                    List<Value> vs = new ArrayList<>();
                    v.forEach(x -> vs.add(StringValue.of(x)));
                    headers.put(
                        StringValue.of(k.toLowerCase()),
                        vs.size() == 1 ? vs.get(0) : ArrayValue.of(vs));
                  });
          byte[] body =
              (Json.writePretty(
                          ObjectValue.of(
                              StringValue.of("upstream"), StringValue.of(name),
                              StringValue.of("method"), StringValue.of(ex.getRequestMethod()),
                              StringValue.of("path"),
                                  StringValue.of(ex.getRequestURI().getRawPath()),
                              StringValue.of("query"),
                                  StringValue.of(
                                      ex.getRequestURI().getRawQuery() == null
                                          ? ""
                                          : ex.getRequestURI().getRawQuery()),
                              StringValue.of("headers"), ObjectValue.wrap(headers)))
                      + "\n")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getRequestBody().readAllBytes();
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    s.start();
    return new EchoUpstream(s);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
