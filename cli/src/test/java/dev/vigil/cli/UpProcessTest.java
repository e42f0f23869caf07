package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code vigil up --demo} as its own process on free loopback ports and checks what a newcomer
 * sees first: the control plane's health, a refusal for an anonymous request, a 400 for an
 * ambiguous path, the external-authorization endpoints, and a clean stop that a second start
 * reuses.
 */
class UpProcessTest {

  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private Process start(Path config) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dvigil.home=" + Path.of("..").toAbsolutePath().normalize(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "up",
                "--demo",
                "--config",
                config.toString(),
                "--data-dir",
                tmp.resolve("data").toString()));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      if (line.startsWith("vigil up: demo users")) {
        return p;
      }
    }
    p.destroyForcibly();
    throw new AssertionError("vigil up did not finish starting");
  }

  private HttpResponse<String> get(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void demo_answersAsTheReadmeSays_andRestartsOnItsData() throws Exception {
    int cp = freePort();
    int gw = freePort();
    int echo = freePort();
    String demo =
        Files.readString(Path.of("../examples/demo/vigil.yaml"))
            .replace("127.0.0.1:8181", "127.0.0.1:" + cp)
            .replace("127.0.0.1:8080", "127.0.0.1:" + gw)
            .replace("127.0.0.1:8443", "127.0.0.1:" + freePort())
            .replace("127.0.0.1:9001", "127.0.0.1:" + echo)
            .replace(
                "bundle: policies",
                "bundle: " + Path.of("../examples/demo/policies").toAbsolutePath().normalize());
    Path config = tmp.resolve("vigil.yaml");
    Files.writeString(config, demo);

    Process up = start(config);
    try {
      assertThat(get("http://127.0.0.1:" + cp + "/health").statusCode()).isEqualTo(200);
      assertThat(get("http://127.0.0.1:" + gw + "/hello").statusCode()).isEqualTo(401);
      HttpResponse<String> browser =
          get("http://127.0.0.1:" + gw + "/hello", "Accept", "text/html");
      assertThat(browser.statusCode()).isEqualTo(302);
      assertThat(get("http://127.0.0.1:" + gw + "/a%2Fb").statusCode()).isEqualTo(400);
      assertThat(
              get("http://127.0.0.1:" + cp + "/v1/authz/traefik", "X-Forwarded-Uri", "/admin")
                  .statusCode())
          .isEqualTo(403);
      assertThat(Files.readString(tmp.resolve("data/demo-users.txt")))
          .contains("alice")
          .contains("totp_secret");
    } finally {
      up.destroy();
      assertThat(up.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    String users = Files.readString(tmp.resolve("data/demo-users.txt"));

    Process again = start(config);
    try {
      assertThat(get("http://127.0.0.1:" + cp + "/health").statusCode()).isEqualTo(200);
      assertThat(Files.readString(tmp.resolve("data/demo-users.txt"))).isEqualTo(users);
    } finally {
      again.destroy();
      again.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
