package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code vigil device enroll} and {@code report} read the control plane's answers as documents
 * Vigil trusts: one JSON object, no member twice, each field present with its type. Regression:
 * they were read leniently (Vert.x's JSON, which keeps the last of two members, reads anything but
 * an object as empty, and gives null for a missing field): a repeated {@code device_id} was taken
 * silently, a missing certificate failed with a NullPointerException while the device key was being
 * written, and a field of another type with a ClassCastException, stack traces instead of a message
 * naming the field.
 */
class DeviceAgentAnswerTest {

  private HttpServer server;
  private volatile int status = 200;
  private volatile String answer = "{}";
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(status, body.length);
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

  private URI url() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"device_id\":\"d1\",\"device_id\":\"d2\",\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|device_id",
        "{\"device_id\":5,\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|field \"device_id\" is the number 5, not a string",
        "{\"device_id\":\"d1\",\"ca_certificate\":\"a\"}|field \"certificate\" is missing",
        "{\"device_id\":\"d1\",\"certificate\":null,\"ca_certificate\":\"a\"}"
            + "|field \"certificate\" is missing",
        "{\"device_id\":\"d1\",\"certificate\":[\"c\"],\"ca_certificate\":\"a\"}"
            + "|field \"certificate\" is an array, not a string",
        "{\"device_id\":\"\",\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|field \"device_id\" is empty",
        "[1,2]|it is not a JSON object",
        "<html>proxy error</html>|enrolment answer",
        "{\"device_id\":\"d1\",\"certificate\":\"c\",\"ca_certificate\":\"a\"}"
            + "|a certificate does not read",
      })
  void enrollRemote_answerNotAsTrusted_badAnswerNamingTheField(String body, String named) {
    answer = body;

    assertThatThrownBy(
            () -> DeviceAgent.enrollRemote(http, url(), "token", "laptop", DeviceAgent.newKey()))
        .isInstanceOf(DeviceException.class)
        .hasMessageContaining("the enrolment answer of " + url() + "/v1/devices/enroll")
        .hasMessageContaining(named)
        .satisfies(e -> assertThat(((DeviceException) e).code()).isEqualTo("bad_answer"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"max_age_s\":300,\"max_age_s\":1}|max_age_s",
        "{\"max_age_s\":\"300\"}|field \"max_age_s\" is a string, not a whole number",
        "{\"max_age_s\":1.5}|field \"max_age_s\" is the number 1.5, not a whole number",
        "{\"max_age_s\":-1}|field \"max_age_s\" is the number -1, not a whole number",
        "{}|field \"max_age_s\" is missing",
      })
  void sendReport_answerNotAsTrusted_badAnswerNamingTheField(String body, String named) {
    answer = body;

    assertThatThrownBy(() -> DeviceAgent.sendReport(http, url(), "a.b.c"))
        .isInstanceOf(DeviceException.class)
        .hasMessageContaining("the report answer of")
        .hasMessageContaining(named)
        .satisfies(e -> assertThat(((DeviceException) e).code()).isEqualTo("bad_answer"));
  }

  @Test
  void sendReport_wholeMaxAge_returned() throws Exception {
    answer = "{\"max_age_s\":300}";

    assertThat(DeviceAgent.sendReport(http, url(), "a.b.c")).isEqualTo(300);
  }

  /** A refusal whose fields have other types is told by its status, not a ClassCastException. */
  @Test
  void sendReport_refusalWithFieldsOfOtherTypes_toldByItsStatus() {
    status = 403;
    answer = "{\"error\":5,\"message\":[\"x\"]}";

    assertThatThrownBy(() -> DeviceAgent.sendReport(http, url(), "a.b.c"))
        .isInstanceOf(DeviceException.class)
        .hasMessage(url() + "/v1/devices/report answered 403")
        .satisfies(e -> assertThat(((DeviceException) e).code()).isEqualTo("http_403"));
  }

  @Test
  void sendReport_refusal_toldAsTheServerWordsIt() {
    status = 403;
    answer = "{\"error\":\"revoked\",\"message\":\"device d1 is revoked\"}";

    assertThatThrownBy(() -> DeviceAgent.sendReport(http, url(), "a.b.c"))
        .isInstanceOf(DeviceException.class)
        .hasMessage("device d1 is revoked")
        .satisfies(e -> assertThat(((DeviceException) e).code()).isEqualTo("revoked"));
  }
}
