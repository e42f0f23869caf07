package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code vigil device enroll} against a control plane whose answer is not what Vigil trusts: one
 * line naming the field, exit 1, no stack trace, and nothing written to the device directory.
 * Regression: a missing certificate failed with a NullPointerException while the device key was
 * already written, and a repeated {@code device_id} was taken silently (the last one).
 */
class DeviceEnrollAnswerTest {

  @TempDir Path tmp;
  private HttpServer server;
  private volatile String answer;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"device_id\":\"d1\",\"device_id\":\"d2\",\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|duplicate key \"device_id\"",
        "{\"device_id\":\"d1\",\"ca_certificate\":\"a\"}|field \"certificate\" is missing",
        "{\"device_id\":[],\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|field \"device_id\" is an array, not a string",
      })
  void enroll_answerNotTrusted_oneLineNamingTheField_nothingWritten(String body, String named)
      throws Exception {
    answer = body;
    Path dir = tmp.resolve("device");

    CliRun r =
        CliRun.of(
            "device",
            "enroll",
            "--server",
            "http://127.0.0.1:" + server.getAddress().getPort(),
            "--token",
            "vdt_token",
            "--device-dir",
            dir.toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("the enrolment answer of http://127.0.0.1:")
        .contains(named)
        .doesNotContain("Exception")
        .doesNotContain("\tat ");
    assertThat(Files.exists(dir.resolve("device.key"))).as("no key written").isFalse();
  }
}
