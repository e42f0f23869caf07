package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Writes through the REST API need the API token. Before, any process of the host (or a web page
 * whose name a DNS rebinding pointed at the loopback address) could upload {@code package authz
 * allow := true} to a decision point serving no bundle, or rewrite the base data its policy reads,
 * and every enforcement point asking it would then let everyone in.
 */
class ApiWriteTokenTest {

  private static final String ALLOW_ALL = "package authz\nallow := true\n";

  @TempDir Path tmp;

  private final HttpClient http = HttpClient.newHttpClient();
  private final String token = ApiToken.generate();
  private PdpServer server;

  @BeforeEach
  void start() {
    server = serve(OpaApi.Options.defaults().withWriteToken(ApiToken.of(token)));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static PdpServer serve(OpaApi.Options options) {
    return PdpServer.start(
        "127.0.0.1",
        0,
        new DecisionPoint(DecisionPoint.Options.defaults()),
        new PdpMetrics(null),
        options);
  }

  private HttpResponse<String> send(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String allowResult() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/data/authz/allow", "{\"input\":{}}");
    assertThat(r.statusCode()).isEqualTo(200);
    var result = ((ObjectValue) Json.parse(r.body())).get("result");
    return result == null ? "undefined" : result.toJson();
  }

  private static String code(HttpResponse<String> r) {
    return ((ObjectValue) Json.parse(r.body())).get("code").toJson();
  }

  @Test
  void putPolicy_withoutToken_isRefusedAndDecidesNothing() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/policies/evil", ALLOW_ALL);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"vigil\"");
    assertThat(code(r)).isEqualTo("\"unauthorized\"");
    assertThat(allowResult()).isEqualTo("undefined");
    assertThat(send("GET", "/v1/policies/evil", null).statusCode()).isEqualTo(404);
  }

  @Test
  void putPolicy_withToken_isInForce() throws Exception {
    HttpResponse<String> r =
        send("PUT", "/v1/policies/p", ALLOW_ALL, "Authorization", "Bearer " + token);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(allowResult()).isEqualTo("true");
  }

  /**
   * Regression: of two Authorization headers the guard took the first, so a write with the token
   * first and anything after it went through, while a proxy or log that reads the last saw another
   * credential.
   */
  @ParameterizedTest
  @ValueSource(strings = {"PUT /v1/policies/p", "PUT /v1/data/x", "DELETE /v1/policies/p"})
  void write_twoAuthorizationHeaders_refused400AndChangesNothing(String call) throws Exception {
    String[] c = call.split(" ");
    HttpResponse<String> r =
        send(
            c[0],
            c[1],
            c[0].equals("PUT") ? (c[1].contains("data") ? "true" : ALLOW_ALL) : null,
            "Authorization",
            "Bearer " + token,
            "Authorization",
            "Bearer someone-else-entirely-0000000000");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("the request has 2 Authorization headers; send one");
    assertThat(allowResult()).isEqualTo("undefined");
    assertThat(send("GET", "/v1/data/x", null).body()).doesNotContain("true");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Bearer vat_not-the-token-at-all-0000000000000000000000",
        "Basic dmlnaWw6dmlnaWw=",
        "Bearer",
        "",
        "Token SAME"
      })
  void putPolicy_withAnotherCredential_isRefused(String authorization) throws Exception {
    String value = authorization.replace("SAME", token);

    HttpResponse<String> r = send("PUT", "/v1/policies/evil", ALLOW_ALL, "Authorization", value);

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(allowResult()).isEqualTo("undefined");
  }

  @Test
  void bearerScheme_inAnyCase_isAccepted() throws Exception {
    assertThat(
            send("PUT", "/v1/policies/p", ALLOW_ALL, "Authorization", "bEaReR " + token)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void deletePolicy_withoutToken_leavesItInForce() throws Exception {
    send("PUT", "/v1/policies/p", ALLOW_ALL, "Authorization", "Bearer " + token);

    assertThat(send("DELETE", "/v1/policies/p", null).statusCode()).isEqualTo(401);
    assertThat(allowResult()).isEqualTo("true");
  }

  @Test
  void dataWrites_withoutToken_leaveTheDataAsItWas() throws Exception {
    String auth = "Bearer " + token;
    send("PUT", "/v1/data/limits", "{\"max\": 3}", "Authorization", auth);

    assertThat(send("PUT", "/v1/data/limits", "{\"max\": 1000}").statusCode()).isEqualTo(401);
    assertThat(
            send("PATCH", "/v1/data/limits", "[{\"op\":\"replace\",\"path\":\"/max\",\"value\":9}]")
                .statusCode())
        .isEqualTo(401);
    assertThat(send("DELETE", "/v1/data/limits", null).statusCode()).isEqualTo(401);
    assertThat(send("PUT", "/v1/data", "{}").statusCode()).isEqualTo(401);
    assertThat(send("GET", "/v1/data/limits", null).body()).contains("\"max\":3");
  }

  @Test
  void readsAndDecisions_needNoToken() throws Exception {
    assertThat(send("GET", "/v1/policies", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/v1/data", null).statusCode()).isEqualTo(200);
    assertThat(send("GET", "/health", null).statusCode()).isEqualTo(200);
    assertThat(allowResult()).isEqualTo("undefined");
  }

  @Test
  void optionsWithoutToken_refuseEveryWrite() throws Exception {
    server.close();
    server = serve(OpaApi.Options.defaults());

    HttpResponse<String> r =
        send("PUT", "/v1/policies/p", ALLOW_ALL, "Authorization", "Bearer " + token);

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("takes no writes");
    assertThat(allowResult()).isEqualTo("undefined");
  }

  /**
   * Spellings a client can send on the wire that the router resolves to a write endpoint: each is
   * refused, by the guard or as a path that is not in normal form, and none is written.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v1/authz/../policies/evil",
        "/v1/authz/envoy/../../policies/evil",
        "/x/../v1/policies/evil",
        "/v1/./policies/evil",
        "/v1/policies/./evil",
        "/v1//policies/evil",
        "/v1/%70olicies/evil"
      })
  void putPolicy_throughAnotherSpellingOfThePath_withoutToken_isNotInForce(String path)
      throws Exception {
    String status = raw("PUT " + path, ALLOW_ALL);

    assertThat(status).doesNotContain(" 200 ");
    assertThat(allowResult()).isEqualTo("undefined");
  }

  /** A write without the token is answered at its head: the server buffers none of its body. */
  @Test
  void putPolicy_withoutToken_isAnsweredBeforeItsBody() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("PUT /v1/policies/evil HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();

      assertThat(status).isEqualTo("HTTP/1.1 401 Unauthorized");
    }
  }

  private String raw(String requestLine, String body) throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.port())) {
      s.setSoTimeout(30_000);
      byte[] content = body.getBytes(StandardCharsets.UTF_8);
      s.getOutputStream()
          .write(
              (requestLine
                      + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                      + content.length
                      + "\r\n\r\n"
                      + body)
                  .getBytes(StandardCharsets.UTF_8));
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }

  @Test
  void loadOrCreate_makesAnOwnerOnlyFile_andReadsTheSameTokenBack() throws Exception {
    Path file = tmp.resolve("api.token");

    ApiToken made = ApiToken.loadOrCreate(file);
    String text = Files.readString(file).strip();

    assertThat(text).matches("vat_[A-Za-z0-9_-]{43}");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(made.admits("Bearer " + text)).isTrue();
    assertThat(ApiToken.loadOrCreate(file).admits("Bearer " + text)).isTrue();
    assertThat(made.toString()).doesNotContain(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"rw-r--r--", "rw-rw----", "rw-----w-"})
  void loadOrCreate_fileOthersMayReadOrWrite_isRefusedNamingIt(String mode) throws Exception {
    Path file = tmp.resolve("api.token");
    Files.writeString(file, ApiToken.generate() + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));

    assertThatThrownBy(() -> ApiToken.loadOrCreate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining(mode)
        .hasMessageContaining("chmod 600");
  }

  @Test
  void loadOrCreate_fileNotHoldingAToken_isRefusedNamingIt() throws Exception {
    Path file = tmp.resolve("api.token");
    Files.writeString(file, "short\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    assertThatThrownBy(() -> ApiToken.loadOrCreate(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("16 to 512 characters");
  }
}
