package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bodies of the Data API as OPA's REST API reads them, over the real server: YAML where the {@code
 * Content-Type} says so ({@code application/yaml}, {@code application/x-yaml}), and {@code
 * Content-Encoding: gzip}. Vigil answered both 400 "not valid JSON". The limits hold as for JSON: a
 * YAML alias bomb is refused, and a gzip body that inflates past the body limit is a 413.
 */
class DataApiEncodingsTest {

  static final long LIMIT = 64 * 1024;
  static final String TOKEN = ApiToken.generate();
  static final HttpClient http = HttpClient.newHttpClient();
  static PdpServer server;

  @BeforeAll
  static void start() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("p.rego", "package p\n\nwho := input.user\n");
    OpaApi.Options o = OpaApi.Options.defaults().withWriteToken(ApiToken.of(TOKEN));
    server =
        PdpServer.start(
            "127.0.0.1",
            0,
            pdp,
            new PdpMetrics(null),
            new OpaApi.Options(o.defaultDecision(), LIMIT, o.bundlesReady(), o.writeToken()));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> send(String method, String path, byte[] body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body))
            .header("Authorization", "Bearer " + TOKEN);
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] gzip(byte[] plain) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  static String result(String path) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/data" + path, null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return ((ObjectValue) Json.parse(r.body())).get("result").toJson();
  }

  static void assertError(HttpResponse<String> r, int status, String messagePart) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    ObjectValue body = (ObjectValue) Json.parse(r.body());
    assertThat(body.get("code").toJson()).isEqualTo("\"invalid_parameter\"");
    assertThat(body.get("message").toJson()).contains(messagePart);
  }

  @Test
  void putPatchAndPost_yamlBody_readAsOpaReadsThem() throws Exception {
    HttpResponse<String> put =
        send(
            "PUT",
            "/v1/data/y",
            utf8("servers:\n  - name: web\n    port: 80\nowner: ops\n"),
            "Content-Type",
            "application/x-yaml");
    HttpResponse<String> patch =
        send(
            "PATCH",
            "/v1/data/y",
            utf8("- op: add\n  path: /owner\n  value: sre\n"),
            "Content-Type",
            "application/yaml; charset=utf-8");
    HttpResponse<String> post =
        send(
            "POST",
            "/v1/data/p/who",
            utf8("input:\n  user: alice\n"),
            "Content-Type",
            "application/yaml");

    assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(204);
    assertThat(result("/y"))
        .isEqualTo("{\"owner\":\"sre\",\"servers\":[{\"name\":\"web\",\"port\":80}]}");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
    assertThat(Json.parse(post.body()).toJson()).contains("\"result\":\"alice\"");
  }

  @Test
  void yamlBody_badOrAnAliasBomb_isA400NamingYaml() throws Exception {
    StringBuilder bomb = new StringBuilder("a0: &a0 [x, x]\n");
    for (int i = 1; i < 21; i++) {
      bomb.append("a").append(i).append(": &a").append(i);
      bomb.append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
    }

    HttpResponse<String> laughs =
        send("PUT", "/v1/data/bomb", utf8(bomb.toString()), "Content-Type", "application/x-yaml");
    HttpResponse<String> bad =
        send("PUT", "/v1/data/bad", utf8("a: [1,\n"), "Content-Type", "application/yaml");

    assertError(laughs, 400, "refused as an alias bomb");
    assertError(bad, 400, "request body is not valid YAML at line");
    assertThat(send("GET", "/v1/data/bomb", null).body()).doesNotContain("\"result\"");
  }

  @Test
  void gzipBody_onPostPutAndPatch_isInflated() throws Exception {
    HttpResponse<String> put =
        send(
            "PUT",
            "/v1/data/g",
            gzip(utf8("{\"n\": 1}")),
            "Content-Encoding",
            "gzip",
            "Content-Type",
            "application/json");
    HttpResponse<String> patch =
        send(
            "PATCH",
            "/v1/data/g",
            gzip(utf8("[{\"op\":\"add\",\"path\":\"/m\",\"value\":2}]")),
            "Content-Encoding",
            "gzip");
    HttpResponse<String> post =
        send(
            "POST",
            "/v1/data/p/who",
            gzip(utf8("{\"input\": {\"user\": \"bob\"}}")),
            "Content-Encoding",
            "gzip");
    HttpResponse<String> yaml =
        send(
            "POST",
            "/v1/data/p/who",
            gzip(utf8("input: {user: carol}\n")),
            "Content-Encoding",
            "gzip",
            "Content-Type",
            "application/x-yaml");

    assertThat(put.statusCode()).as(put.body()).isEqualTo(204);
    assertThat(patch.statusCode()).as(patch.body()).isEqualTo(204);
    assertThat(result("/g")).isEqualTo("{\"m\":2,\"n\":1}");
    assertThat(post.statusCode()).as(post.body()).isEqualTo(200);
    assertThat(post.body()).contains("\"result\":\"bob\"");
    assertThat(yaml.body()).contains("\"result\":\"carol\"");
  }

  @Test
  void gzipBomb_inflatingPastTheBodyLimit_is413() throws Exception {
    // 32 MiB of spaces deflate to about 32 KiB: within the limit encoded, far past it
    // inflated.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write('[');
      byte[] spaces = new byte[1 << 20];
      java.util.Arrays.fill(spaces, (byte) ' ');
      for (int i = 0; i < 32; i++) {
        gz.write(spaces);
      }
      gz.write(']');
    }
    byte[] bomb = out.toByteArray();
    assertThat((long) bomb.length).isLessThan(LIMIT);

    HttpResponse<String> r = send("POST", "/v1/data/p/who", bomb, "Content-Encoding", "gzip");
    HttpResponse<String> put = send("PUT", "/v1/data/b", bomb, "Content-Encoding", "gzip");

    assertError(r, 413, "request body is too large");
    assertError(put, 413, "request body is too large");
  }

  @Test
  void unknownEncodingOrBadGzip_is400NamingIt() throws Exception {
    HttpResponse<String> br = send("PUT", "/v1/data/x", utf8("{}"), "Content-Encoding", "br");
    HttpResponse<String> notGzip =
        send("PUT", "/v1/data/x", utf8("{}"), "Content-Encoding", "gzip");

    assertError(br, 400, "Content-Encoding \\\"br\\\" is not supported");
    assertError(notGzip, 400, "request body is not valid gzip");
  }
}
