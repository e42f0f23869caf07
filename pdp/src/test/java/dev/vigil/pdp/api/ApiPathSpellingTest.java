package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router resolves dot segments and escaped letters before it picks a handler, but the handlers
 * read the path as sent. A path that reached {@code /v1/data} or {@code /v1/policies} only once
 * normalised wrote another document than the one it was routed as: {@code PUT /v1/data/a/../b}
 * wrote {@code data.a[".."].b}, {@code PUT /x/../v1/data/foo} wrote {@code data.data.foo}, and
 * {@code PUT /v1/authz/../policies/evil} stored a policy with the id {@code policies/evil}. Such
 * paths are now refused with 400 naming them, and nothing is written or decided.
 */
class ApiPathSpellingTest {

  private final String token = ApiToken.generate();
  private PdpServer server;

  @BeforeEach
  void start() {
    server =
        PdpServer.start(
            "127.0.0.1",
            0,
            new DecisionPoint(DecisionPoint.Options.defaults()),
            new PdpMetrics(null),
            OpaApi.Options.defaults().withWriteToken(ApiToken.of(token)));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/data/a/../b",
        "/v1/data/a/./b",
        "/v1/data/a/%2e%2e/b",
        "/v1/data/a/%2E./b",
        "/v1/data/.",
        "/x/../v1/data/b",
        "/v1/%64ata/b",
        "/v1/./data/b",
        "/v1/data/b/.."
      })
  void putData_pathResolvedOnlyByNormalising_isRefusedAndWritesNothing(String path)
      throws Exception {
    String answer = send("PUT " + path, "{\"n\": 1}");

    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(answer).contains(path);
    assertThat(body(send("GET /v1/data", ""))).contains("\"result\":{}");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/authz/../policies/evil",
        "/v1/policies/lib/../evil",
        "/v1/policies/%2e%2e/evil",
        "/v1/%70olicies/evil"
      })
  void putPolicy_pathResolvedOnlyByNormalising_isRefusedAndStoresNothing(String path)
      throws Exception {
    String answer = send("PUT " + path, "package p\nx := 1\n");

    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(body(send("GET /v1/policies", ""))).isEqualTo("{\"result\":[]}");
  }

  @Test
  void postData_withDotSegment_isRefusedNotDecided() throws Exception {
    send("PUT /v1/policies/p", "package authz\nallow := true\n");

    String answer = send("POST /v1/data/x/../authz/allow", "{\"input\":{}}");

    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(answer).doesNotContain("decision_id");
  }

  @Test
  void segmentsThatAreNotDotSegments_stillWork() throws Exception {
    assertThat(send("PUT /v1/data/x/.../y", "1")).startsWith("HTTP/1.1 204 ");
    assertThat(send("PUT /v1/data/x/a.b/..c", "2")).startsWith("HTTP/1.1 204 ");
    assertThat(send("PUT /v1/data/x/k%2F..%2Fz", "3")).startsWith("HTTP/1.1 204 ");

    assertThat(body(send("GET /v1/data/x", "")))
        .contains("\"...\":{\"y\":1}")
        .contains("\"a.b\":{\"..c\":2}")
        .contains("\"k/../z\":3");
  }

  /** Such a query answered /health with a 500 and the others with a bare 400, logging a trace. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "GET /health?a=%ZZ",
        "GET /v1/data/authz/allow?input=%ZZ",
        "POST /v1/data/authz/allow?pretty=%",
        "GET /v1/policies?%E",
        "PUT /v1/data/q?a=%ZZ"
      })
  void queryThatIsNotUrlEncoding_isA400NamingIt_andNothingIsWritten(String requestLine)
      throws Exception {
    String answer = send(requestLine, "{}");

    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(body(answer))
        .contains("\"code\": \"invalid_parameter\"")
        .contains("the query is not URL encoding");
    assertThat(body(send("GET /v1/data", ""))).contains("\"result\":{}");
  }

  private String send(String requestLine, String body) throws Exception {
    byte[] content = body.getBytes(StandardCharsets.UTF_8);
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      s.getOutputStream()
          .write(
              (requestLine
                      + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer "
                      + token
                      + "\r\nContent-Length: "
                      + content.length
                      + "\r\n\r\n"
                      + body)
                  .getBytes(StandardCharsets.UTF_8));
      InputStream in = s.getInputStream();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }
}
