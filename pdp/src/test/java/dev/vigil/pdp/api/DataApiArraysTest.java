package dev.vigil.pdp.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes through {@code PUT}, {@code PATCH} and {@code DELETE /v1/data} on paths that step into
 * arrays, answered as OPA's server over its in-memory store answers them: a segment under an array
 * is an index ({@code strconv.Atoi}), {@code -} or the length appends on a patch {@code add}, an
 * {@code add} at an index inserts, and an index that is out of range or not an integer is a 404
 * {@code resource_not_found} whose message names the path. {@code PUT} only creates objects on the
 * way, so a {@code PUT} below an array that does not name an element is a 404 {@code
 * resource_conflict} naming the array. Vigil used to treat a number as an object key or a last
 * element on some of these, and to answer others with its own status and wording.
 */
class DataApiArraysTest {

  static PdpServer server;
  static final HttpClient http = HttpClient.newHttpClient();
  static final String TOKEN = ApiToken.generate();

  static final String DOC =
      "{\"list\": [\"a\", \"b\", \"c\"], \"rows\": [{\"x\": 1}, \"scalar\"],"
          + " \"obj\": {\"0\": \"zero\"}, \"n\": 3}";

  @BeforeAll
  static void start() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    server =
        PdpServer.start(
            "127.0.0.1",
            0,
            pdp,
            new PdpMetrics(null),
            OpaApi.Options.defaults().withWriteToken(ApiToken.of(TOKEN)));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @BeforeEach
  void reset() throws Exception {
    assertThat(send("PUT", "/v1/data/t", DOC).statusCode()).isEqualTo(204);
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + TOKEN);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static String doc(String path) throws Exception {
    HttpResponse<String> r = send("GET", "/v1/data/t" + path, null);
    assertThat(r.statusCode()).isEqualTo(200);
    var v = ((ObjectValue) Json.parse(r.body())).get("result");
    return v == null ? null : v.toJson();
  }

  static HttpResponse<String> patch(String ops) throws Exception {
    return send("PATCH", "/v1/data/t", ops);
  }

  /** Asserts OPA's error body: the status, {@code code} and the whole {@code message}. */
  static void assertError(HttpResponse<String> r, int status, String code, String message) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    ObjectValue body = (ObjectValue) Json.parse(r.body());
    assertThat(body.get("code").toJson()).isEqualTo(Json.quote(code));
    assertThat(body.get("message").toJson()).isEqualTo(Json.quote(message));
  }

  @Test
  void patchAdd_dashOrLength_appends() throws Exception {
    assertThat(patch("[{\"op\":\"add\",\"path\":\"/list/-\",\"value\":\"d\"}]").statusCode())
        .isEqualTo(204);
    assertThat(patch("[{\"op\":\"add\",\"path\":\"/list/4\",\"value\":\"e\"}]").statusCode())
        .isEqualTo(204);

    assertThat(doc("/list")).isEqualTo("[\"a\",\"b\",\"c\",\"d\",\"e\"]");
    assertThat(doc("/obj")).isEqualTo("{\"0\":\"zero\"}");
  }

  @Test
  void patchAdd_atIndex_insertsBeforeThatElement() throws Exception {
    HttpResponse<String> r = patch("[{\"op\":\"add\",\"path\":\"/list/1\",\"value\":\"new\"}]");

    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(doc("/list")).isEqualTo("[\"a\",\"new\",\"b\",\"c\"]");
  }

  @Test
  void patchReplaceAndRemove_atIndex_changeThatElement() throws Exception {
    assertThat(patch("[{\"op\":\"replace\",\"path\":\"/list/2\",\"value\":\"C\"}]").statusCode())
        .isEqualTo(204);
    assertThat(patch("[{\"op\":\"remove\",\"path\":\"/list/0\"}]").statusCode()).isEqualTo(204);
    assertThat(patch("[{\"op\":\"add\",\"path\":\"/rows/0/y\",\"value\":2}]").statusCode())
        .isEqualTo(204);

    assertThat(doc("/list")).isEqualTo("[\"b\",\"C\"]");
    assertThat(doc("/rows/0")).isEqualTo("{\"x\":1,\"y\":2}");
  }

  @Test
  void patch_indexOutOfRangeOrNotAnInteger_isA404NamingThePath() throws Exception {
    assertError(
        patch("[{\"op\":\"add\",\"path\":\"/list/5\",\"value\":1}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/5: array index out of range");
    assertError(
        patch("[{\"op\":\"remove\",\"path\":\"/list/-1\"}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/-1: array index out of range");
    assertError(
        patch("[{\"op\":\"replace\",\"path\":\"/list/x\",\"value\":1}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/x: array index must be integer");
    assertError(
        patch("[{\"op\":\"add\",\"path\":\"/list/-/y\",\"value\":1}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/-/y: array index must be integer");
    assertThat(doc("")).isEqualTo(Json.write(Json.parse(DOC)));
  }

  @Test
  void patchReplaceOrRemove_pastTheEnd_isAnInvalidPatch() throws Exception {
    assertError(
        patch("[{\"op\":\"replace\",\"path\":\"/list/-\",\"value\":1}]"),
        400,
        "invalid_parameter",
        "storage_invalid_patch_error: /t/list/-: invalid patch path");
    assertError(
        patch("[{\"op\":\"remove\",\"path\":\"/list/3\"}]"),
        400,
        "invalid_parameter",
        "storage_invalid_patch_error: /t/list/3: invalid patch path");
  }

  @Test
  void patch_failingOperation_leavesEveryEarlierOneUndone() throws Exception {
    HttpResponse<String> r =
        patch(
            "[{\"op\":\"add\",\"path\":\"/list/-\",\"value\":\"d\"},"
                + "{\"op\":\"remove\",\"path\":\"/list/9\"}]");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(doc("/list")).isEqualTo("[\"a\",\"b\",\"c\"]");
  }

  @Test
  void patchAdd_belowAMissingKeyOrAScalar_isA404() throws Exception {
    assertError(
        patch("[{\"op\":\"add\",\"path\":\"/missing/k\",\"value\":1}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/missing/k: document does not exist");
    assertError(
        patch("[{\"op\":\"add\",\"path\":\"/rows/1/k\",\"value\":1}]"),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/rows/1/k: document does not exist");
  }

  @Test
  void put_atAnExistingIndex_insertsAsOpasAddDoes() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/data/t/list/0", "\"first\"");

    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(doc("/list")).isEqualTo("[\"first\",\"a\",\"b\",\"c\"]");
  }

  @Test
  void put_belowAnElement_writesIntoThatElement() throws Exception {
    assertThat(send("PUT", "/v1/data/t/rows/0/y", "2").statusCode()).isEqualTo(204);
    assertThat(send("PUT", "/v1/data/t/rows/0/z/deep", "3").statusCode()).isEqualTo(204);

    assertThat(doc("/rows")).isEqualTo("[{\"x\":1,\"y\":2,\"z\":{\"deep\":3}},\"scalar\"]");
  }

  @Test
  void put_belowAnArrayWithoutNamingAnElement_isAConflictNamingTheArray() throws Exception {
    for (String seg : new String[] {"3", "-", "9", "x", "7/k"}) {
      assertError(
          send("PUT", "/v1/data/t/list/" + seg, "1"),
          404,
          "resource_conflict",
          "storage_write_conflict_error: /t/list");
    }
    assertThat(doc("/list")).isEqualTo("[\"a\",\"b\",\"c\"]");
  }

  @Test
  void put_belowAScalar_isAConflictNamingIt() throws Exception {
    assertError(
        send("PUT", "/v1/data/t/n/k", "1"),
        404,
        "resource_conflict",
        "storage_write_conflict_error: /t/n");
    assertError(
        send("PUT", "/v1/data/t/rows/1/k", "1"),
        404,
        "resource_conflict",
        "storage_write_conflict_error: /t/rows/1");
  }

  @Test
  void put_numericKeyOfAnObject_staysAKey() throws Exception {
    assertThat(send("PUT", "/v1/data/t/obj/0", "\"nil\"").statusCode()).isEqualTo(204);
    assertThat(send("PUT", "/v1/data/t/obj/1", "\"one\"").statusCode()).isEqualTo(204);

    assertThat(doc("/obj")).isEqualTo("{\"0\":\"nil\",\"1\":\"one\"}");
  }

  @Test
  void delete_atIndex_removesThatElement() throws Exception {
    assertThat(send("DELETE", "/v1/data/t/list/1", null).statusCode()).isEqualTo(204);
    assertThat(send("DELETE", "/v1/data/t/rows/0/x", null).statusCode()).isEqualTo(204);

    assertThat(doc("/list")).isEqualTo("[\"a\",\"c\"]");
    assertThat(doc("/rows")).isEqualTo("[{},\"scalar\"]");
  }

  /** "-" used to remove the last element, as if it were an index. */
  @Test
  void delete_dashOrIndexOutOfRange_isA404AndRemovesNothing() throws Exception {
    assertError(
        send("DELETE", "/v1/data/t/list/-", null),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/-: array index must be integer");
    assertError(
        send("DELETE", "/v1/data/t/list/3", null),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/list/3: array index out of range");
    assertError(
        send("DELETE", "/v1/data/t/obj/1", null),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/obj/1: document does not exist");
    assertThat(doc("")).isEqualTo(Json.write(Json.parse(DOC)));
  }

  @Test
  void errorMessage_escapesSegmentsAsOpasPathDoes() throws Exception {
    assertError(
        send("DELETE", "/v1/data/t/a%20b/c%2Fd", null),
        404,
        "resource_not_found",
        "storage_not_found_error: /t/a%20b/c%2Fd: document does not exist");
  }
}
