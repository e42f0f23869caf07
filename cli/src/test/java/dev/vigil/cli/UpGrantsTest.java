package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.auth.PasswordHash;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil up} with {@code access.entitlements}: a request asked and approved at the gateway
 * counts, and is still there, active, after a restart on the same data directory.
 */
class UpGrantsTest {

  @TempDir Path tmp;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private String signIn(UpProcess up, String user) throws Exception {
    HttpResponse<String> r =
        post(
            up,
            null,
            "/auth/login",
            "{\"username\":\"" + user + "\",\"password\":\"a long pass phrase\"}");
    assertThat(r.statusCode()).isEqualTo(200);
    return r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("vigil_session="))
        .findFirst()
        .orElseThrow()
        .split(";", 2)[0];
  }

  private HttpResponse<String> post(UpProcess up, String cookie, String path, String json)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(up.gatewayUrl(path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (cookie != null) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(UpProcess up, String cookie, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(up.gatewayUrl(path))).header("Cookie", cookie).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void requestApprovedAtTheGateway_isActive_andOutlivesARestart() throws Exception {
    UpProcess up = new UpProcess(tmp);
    String hash = PasswordHash.hash("a long pass phrase");
    Files.writeString(
        up.config,
        UpProcess.withoutAccess(Files.readString(up.config))
            + "users:\n"
            + "  - username: dora\n    groups: [dba]\n    password_hash: '"
            + hash
            + "'\n  - username: erin\n    password_hash: '"
            + hash
            + "'\naccess:\n  entitlements:\n"
            + "    - name: prod-db-admin\n      approvers: [group:dba]\n      max_duration: 2h\n");
    try (up) {
      up.start();
      String erin = signIn(up, "erin");
      String dora = signIn(up, "dora");

      HttpResponse<String> asked =
          post(
              up,
              erin,
              "/auth/access/requests",
              "{\"entitlement\":\"prod-db-admin\",\"duration\":\"1h\",\"reason\":\"INC-1\"}");
      assertThat(asked.statusCode()).isEqualTo(201);
      Matcher id = Pattern.compile("\"id\":\"(gr-[0-9a-f]+)\"").matcher(asked.body());
      assertThat(id.find()).isTrue();
      assertThat(get(up, dora, "/auth/access/pending").body()).contains(id.group(1));
      HttpResponse<String> approved =
          post(up, dora, "/auth/access/requests/" + id.group(1) + "/approve", "{}");
      assertThat(approved.statusCode()).isEqualTo(200);
      assertThat(approved.body()).contains("\"state\":\"active\"");

      assertThat(up.stop()).isTrue();
      up.start();
      String again = signIn(up, "erin");
      assertThat(get(up, again, "/auth/access/requests").body())
          .contains(id.group(1))
          .contains("\"state\":\"active\"")
          .contains("\"decided_by\":\"dora\"");
    }
  }
}
