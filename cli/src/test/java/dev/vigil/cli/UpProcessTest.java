package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code vigil up --demo} as its own process on free loopback ports and checks what a newcomer
 * sees first: the control plane's health, a refusal for an anonymous request, a 400 for an
 * ambiguous path, the external-authorization endpoints, the console and the Workload API socket,
 * the first administrator's password printed once, and a clean stop that a second start reuses.
 */
class UpProcessTest {

  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void demo_answersAsTheReadmeSays_andRestartsOnItsData() throws Exception {
    UpProcess up = new UpProcess(tmp);
    List<String> banner;
    String password;
    try (up) {
      banner = up.start();
      password = up.firstAdminPassword();
      assertThat(get(up.controlPlaneUrl("/health")).statusCode()).isEqualTo(200);
      assertThat(get(up.gatewayUrl("/hello")).statusCode()).isEqualTo(401);
      HttpResponse<String> browser = get(up.gatewayUrl("/hello"), "Accept", "text/html");
      assertThat(browser.statusCode()).isEqualTo(302);
      assertThat(get(up.gatewayUrl("/a%2Fb")).statusCode()).isEqualTo(400);
      assertThat(
              get(up.controlPlaneUrl("/v1/authz/traefik"), "X-Forwarded-Uri", "/admin")
                  .statusCode())
          .isEqualTo(403);
      assertThat(get(up.controlPlaneUrl("/console/login")).body()).contains("Sign in");
      assertThat(get(up.controlPlaneUrl("/metrics")).body())
          .contains("vigil_svid_earliest_expiry_seconds{trust_domain=\"prod\"}")
          .contains("vigil_svid_earliest_expiry_seconds{trust_domain=\"staging\"}");
      assertThat(Files.readString(up.dataDir.resolve("demo-users.txt")))
          .contains("alice")
          .contains("totp_secret");
      assertThat(up.stop()).isTrue();
    }
    assertThat(password).matches("[A-Za-z0-9]{20}");
    assertThat(banner)
        .anySatisfy(l -> assertThat(l).contains("workload API    unix:").contains("agent.sock"))
        .anySatisfy(l -> assertThat(l).contains("/console/"));
    assertThat(Files.readString(up.dataDir.resolve("admins.json"))).doesNotContain(password);
    String users = Files.readString(up.dataDir.resolve("demo-users.txt"));

    try (up) {
      List<String> again = up.start();
      assertThat(get(up.controlPlaneUrl("/health")).statusCode()).isEqualTo(200);
      assertThat(Files.readString(up.dataDir.resolve("demo-users.txt"))).isEqualTo(users);
      assertThat(again)
          .noneMatch(l -> l.contains("first admin"))
          .noneMatch(l -> l.contains(password));
    }
  }
}
