package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.auth.PasswordHash;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression, as the tester met it in {@code vigil up --demo}: a user removed from the file (the
 * log said {@code users=0}) kept gateway access with the old cookie, while the demo's users, kept
 * in the data directory, went on signing in unmentioned.
 */
class UpUserChangesTest {

  @TempDir Path tmp;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> login(UpProcess up, String user, String password) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(up.gatewayUrl("/auth/login")))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"username\":\"" + user + "\",\"password\":\"" + password + "\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String sessionCookie(HttpResponse<String> login) {
    return login.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("vigil_session="))
        .findFirst()
        .orElseThrow()
        .split(";", 2)[0];
  }

  private int hello(UpProcess up, String cookie) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(up.gatewayUrl("/hello")))
                .header("Cookie", cookie)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void userRemovedFromTheFile_oldCookieIs401_demoUsersStayAndAreCounted() throws Exception {
    UpProcess up = new UpProcess(tmp);
    String original = Files.readString(up.config);
    Files.writeString(
        up.config,
        original
            + "users:\n  - username: dave\n    roles: [sre]\n    password_hash: '"
            + PasswordHash.hash("dave's pass phrase")
            + "'\n");
    try (up) {
      up.start();
      HttpResponse<String> in = login(up, "dave", "dave's pass phrase");
      assertThat(in.statusCode()).isEqualTo(200);
      String cookie = sessionCookie(in);
      assertThat(hello(up, cookie)).isEqualTo(200);

      Files.writeString(up.config, original + "users: []\n");
      // The file is read again within a second of the change: wait for it, do not time it.
      int status = 200;
      for (int i = 0; i < 75 && status == 200; i++) {
        Thread.sleep(200);
        status = hello(up, cookie);
      }

      assertThat(status).isEqualTo(401);
      assertThat(login(up, "bob", up.demoPassword("bob")).statusCode()).isEqualTo(200);
      assertThat(Files.readString(up.log))
          .contains("configuration applied: routes=4 users=3 (file_users=0 demo_users=3)");
    }
  }

  /** The gateway and the console of one {@code vigil up} count failed sign-ins together. */
  @Test
  void guessesAtTheGateway_lockTheAccountAtTheConsoleToo() throws Exception {
    UpProcess up = new UpProcess(tmp);
    try (up) {
      up.start();
      String password = up.firstAdminPassword();
      for (int i = 0; i < 5; i++) {
        assertThat(login(up, "admin", "wrong " + i).statusCode()).isEqualTo(401);
      }

      HttpResponse<String> form =
          http.send(
              HttpRequest.newBuilder(URI.create(up.controlPlaneUrl("/console/login"))).build(),
              HttpResponse.BodyHandlers.ofString());
      String token = form.body().replaceAll("(?s).*name=\"csrf\" value=\"([^\"]+)\".*", "$1");
      String loginCookie =
          form.headers().allValues("Set-Cookie").stream()
              .filter(c -> c.startsWith("vigil_console_login="))
              .findFirst()
              .orElseThrow()
              .split(";", 2)[0];
      HttpResponse<String> console =
          http.send(
              HttpRequest.newBuilder(URI.create(up.controlPlaneUrl("/console/login")))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .header("Cookie", loginCookie)
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "csrf=" + token + "&username=admin&password=" + password + "&totp="))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(console.statusCode()).isEqualTo(429);
      assertThat(console.headers().firstValue("Retry-After")).isPresent();
    }
  }
}
