package dev.vigil.gateway.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client gets when a continuation of its request throws, over h2c and HTTP/1.1: the error
 * when nothing had been sent, a cut answer (stream reset, connection closed) when the answer had
 * begun, and in both cases the next request is served.
 */
class RequestGuardTest {

  /** Bounds a request that would otherwise wait for the idle timeout; not a timing assertion. */
  static final Duration NO_ANSWER = Duration.ofSeconds(20);

  private Vertx vertx;
  private HttpServer server;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::handle)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** /fresh and /begun throw in a timer's callback, /begun after its answer has begun. */
  private void handle(HttpServerRequest req) {
    if (req.path().equals("/ok")) {
      req.response().end("ok");
      return;
    }
    if (req.path().equals("/begun")) {
      req.response().setChunked(true).write("part of an answer");
    }
    vertx.setTimer(
        1,
        RequestGuard.guard(
            req,
            "r",
            "d-1",
            500,
            t -> {
              throw new IllegalStateException("fault injected by the test");
            }));
  }

  private HttpResponse<String> get(HttpClient client, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
            .timeout(NO_ANSWER)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void guard_faultBeforeAnswer_answersStatusWithDecisionId_overBothVersions() throws Exception {
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpClient client = HttpClient.newBuilder().version(v).build();
      assertThat(get(client, "/ok").body()).isEqualTo("ok");

      HttpResponse<String> faulted = get(client, "/fresh");

      assertThat(faulted.version()).isEqualTo(v);
      assertThat(faulted.statusCode()).isEqualTo(500);
      assertThat(faulted.headers().firstValue("X-Vigil-Decision-Id")).contains("d-1");
      assertThat(faulted.body())
          .isEqualTo(
              "{\"error\":\"internal_error\",\"message\":\"the gateway failed while handling the"
                  + " request\",\"decision_id\":\"d-1\"}");
      assertThat(get(client, "/ok").body()).isEqualTo("ok");
    }
  }

  @Test
  void guard_faultAfterAnswerBegan_cutsIt_thenNextRequestServed() throws Exception {
    for (HttpClient.Version v : HttpClient.Version.values()) {
      HttpClient client = HttpClient.newBuilder().version(v).build();
      assertThat(get(client, "/ok").body()).isEqualTo("ok");

      // HTTP/2: the stream is reset; HTTP/1.1: the connection closes before the last chunk.
      assertThatThrownBy(() -> get(client, "/begun"))
          .isInstanceOf(IOException.class)
          .isNotInstanceOf(HttpTimeoutException.class);

      assertThat(get(client, "/ok").body()).isEqualTo("ok");
    }
  }
}
