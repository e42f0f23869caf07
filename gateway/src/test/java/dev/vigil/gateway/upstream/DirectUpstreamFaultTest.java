package dev.vigil.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.gateway.http.RequestGuard;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Regression: a fault in a continuation of {@link DirectUpstream} (here, the Netty listener run
 * once the upstream connection is made) went to Netty, which only logged it; the client waited for
 * its idle timeout. Now the upstream connection is dropped, the client is answered 502 with the
 * decision id, the fault is logged once, and the next request is served.
 *
 * <p>The fault comes from the request the front hands to the relay: it wraps the real one, and
 * setting its body handler, which the relay does once connected and the head sent, throws while the
 * test says so. Before the guard the upstream then waited for a body that never came, and the
 * client for an answer. The upstream closes each connection after its answer, so every request
 * connects anew, unless a test keeps them: then the relay sends on a kept connection at once.
 */
class DirectUpstreamFaultTest {

  /** Bounds a request that would otherwise wait for the idle timeout; not a timing assertion. */
  static final Duration NO_ANSWER = Duration.ofSeconds(20);

  private final AtomicBoolean faultOnBody = new AtomicBoolean();
  private volatile boolean keepConnections;
  private final ListAppender<ILoggingEvent> faults = new ListAppender<>();
  private final Logger guardLog = (Logger) LoggerFactory.getLogger(RequestGuard.class);
  private Vertx vertx;
  private DirectUpstream direct;
  private HttpServer front;
  private int upstreamPort;

  @BeforeEach
  void start() throws Exception {
    faults.start();
    guardLog.addAppender(faults);
    vertx = Vertx.vertx();
    direct = new DirectUpstream(vertx);
    upstreamPort =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            b ->
                                req.response()
                                    .putHeader(
                                        "Connection", keepConnections ? "keep-alive" : "close")
                                    .end("ok " + req.path() + " " + b)))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS)
            .actualPort();
    front =
        vertx
            .createHttpServer()
            .requestHandler(this::relay)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    guardLog.detachAppender(faults);
    direct.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void relay(HttpServerRequest req) {
    req.pause();
    HttpServerRequest faulty =
        new HttpServerRequestWrapper((HttpServerRequestInternal) req) {
          @Override
          public HttpServerRequest handler(Handler<Buffer> handler) {
            if (faultOnBody.compareAndSet(true, false)) {
              throw new IllegalStateException("body fault injected by the test");
            }
            return super.handler(handler);
          }
        };
    direct
        .relay(
            faulty,
            "127.0.0.1",
            upstreamPort,
            req.uri(),
            DefaultHttpHeadersFactory.headersFactory().newHeaders(),
            "route-a",
            "decision-1")
        .onFailure(e -> req.response().setStatusCode(504).end("relay failed: " + e.getMessage()));
  }

  private HttpResponse<String> post(HttpClient client, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.actualPort() + path))
            .timeout(NO_ANSWER)
            .POST(HttpRequest.BodyPublishers.ofString("body"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void faultAfterUpstreamConnect_overH2c_answered502_thenStreamsGoOn() throws Exception {
    HttpClient h2c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
    HttpResponse<String> before = post(h2c, "/before");
    faultOnBody.set(true);
    HttpResponse<String> faulted = post(h2c, "/faulted");
    HttpResponse<String> after = post(h2c, "/after");

    assertThat(before.body()).isEqualTo("ok /before body");
    assertThat(faulted.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertFaultAnswer(faulted);
    assertThat(after.body()).isEqualTo("ok /after body");
  }

  @Test
  void faultAfterUpstreamConnect_overHttp11_answered502_thenNextRequestServed() throws Exception {
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    faultOnBody.set(true);
    HttpResponse<String> faulted = post(http11, "/faulted");
    HttpResponse<String> after = post(http11, "/after");

    assertThat(faulted.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertFaultAnswer(faulted);
    assertThat(after.body()).isEqualTo("ok /after body");
  }

  @Test
  void faultAsTheRequestGoesOnAKeptConnection_answered502_thenNextRequestServed() throws Exception {
    keepConnections = true;
    HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpResponse<String> before = post(http11, "/before");
    faultOnBody.set(true);
    HttpResponse<String> faulted = post(http11, "/faulted");
    HttpResponse<String> after = post(http11, "/after");

    assertThat(before.body()).isEqualTo("ok /before body");
    assertFaultAnswer(faulted);
    assertThat(after.body()).isEqualTo("ok /after body");
  }

  private void assertFaultAnswer(HttpResponse<String> faulted) {
    assertThat(faulted.statusCode()).isEqualTo(502);
    assertThat(faulted.headers().firstValue("X-Vigil-Decision-Id")).contains("decision-1");
    assertThat(faulted.body())
        .contains("\"error\":\"upstream_fault\"")
        .doesNotContain("Exception", "injected");
    assertThat(faults.list)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getFormattedMessage())
                  .contains("route=route-a path=/faulted decision_id=decision-1 answer=502");
              assertThat(e.getThrowableProxy().getMessage())
                  .isEqualTo("body fault injected by the test");
            });
  }
}
