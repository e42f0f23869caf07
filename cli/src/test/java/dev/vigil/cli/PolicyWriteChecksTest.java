package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write of policies through OPA's API ({@code PUT} and {@code DELETE /v1/policies/{id}}) gets the
 * checks of configured policy paths a reload gets. Regression: a {@code PUT} that removed the rule
 * a route or {@code control_plane.authz_policy} asks was taken without a word, and every request
 * asking it was denied as undefined from then on.
 */
class PolicyWriteChecksTest {

  private static final Pattern LISTENING = Pattern.compile("REST API on (http://[^ ]+)");

  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void up_putOrDeleteRemovingTheAuthzPolicy_refusedNamingIt_policiesUnchanged() throws Exception {
    int cp = UpProcess.freePort();
    Path cfg = tmp.resolve("vigil.yaml");
    Files.writeString(
        cfg,
        "control_plane:\n  addr: 127.0.0.1:"
            + cp
            + "\n  authz_policy: authz/allow\n"
            + "gateway:\n  addr: 127.0.0.1:"
            + UpProcess.freePort()
            + "\n  tls_addr: 127.0.0.1:"
            + UpProcess.freePort()
            + "\nroutes:\n  - name: app\n    host: \"*\"\n    prefix: /\n"
            + "    upstream: http://127.0.0.1:9\n    policy: app/allow\n    mode: enforce\n");
    Path log = tmp.resolve("up.log");
    Process up =
        new ProcessBuilder(
                java(
                    "up", "--config", cfg.toString(), "--data-dir", tmp.resolve("data").toString()))
            .redirectError(log.toFile())
            .start();
    try {
      awaitLine(up, "vigil up: configuration");
      String base = "http://127.0.0.1:" + cp;
      String token = Files.readString(tmp.resolve("data").resolve("api.token")).strip();
      String authz = "package authz\nallow := true\n";
      assertThat(send(base, "PUT", "authz", authz, token).statusCode()).isEqualTo(200);
      assertThat(send(base, "PUT", "app", "package app\nallow := true\n", token).statusCode())
          .isEqualTo(200);

      // A route's path: the write is taken, and warned of naming the route and its path.
      HttpResponse<String> dropRoute =
          send(base, "PUT", "app", "package app\nother := true\n", token);
      assertThat(dropRoute.statusCode()).isEqualTo(200);
      assertThat(awaitLog(log, "app=app/allow")).contains("routes whose policy path");

      // The authz_policy of the file: refused as a reload refuses it, naming key and path.
      HttpResponse<String> put = send(base, "PUT", "authz", "package authz\nx := 1\n", token);
      HttpResponse<String> delete = send(base, "DELETE", "authz", null, token);

      for (HttpResponse<String> r : List.of(put, delete)) {
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body())
            .contains("\"code\": \"invalid_parameter\"")
            .contains("control_plane.authz_policy")
            .contains("authz/allow")
            .contains("refused");
      }
      assertThat(send(base, "GET", "authz", null, token).body())
          .as("the policy in service is the one before the refused writes")
          .contains("allow := true");
      assertThat(allow(base, "authz/allow")).contains("\"result\":true");
      assertThat(Files.readString(log)).contains("policy PUT refused").contains("authz/allow");
    } finally {
      up.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void pdp_putRemovingAGivenAuthzPath_refused_andADefaultOneWarnedOf() throws Exception {
    Path file = tmp.resolve("api.token");
    Path log = tmp.resolve("pdp.log");
    Process pdp =
        new ProcessBuilder(
                java(
                    "pdp",
                    "--addr",
                    "127.0.0.1:0",
                    "--data-dir",
                    tmp.resolve("data").toString(),
                    "--api-token-file",
                    file.toString(),
                    "--authz-path",
                    "gate/allow",
                    "--default-decision",
                    "gate/main"))
            .redirectError(log.toFile())
            .start();
    try {
      String base = awaitAddress(pdp);
      String token = Files.readString(file).strip();
      String gate = "package gate\nallow := true\nmain := {\"ok\": true}\n";
      assertThat(send(base, "PUT", "gate", gate, token).statusCode()).isEqualTo(200);

      HttpResponse<String> put = send(base, "PUT", "gate", "package gate\nmain := 1\n", token);
      HttpResponse<String> delete = send(base, "DELETE", "gate", null, token);

      for (HttpResponse<String> r : List.of(put, delete)) {
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body())
            .contains("\"code\": \"invalid_parameter\"")
            .contains("--authz-path")
            .contains("gate/allow");
      }
      assertThat(allow(base, "gate/allow")).contains("\"result\":true");
    } finally {
      pdp.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void pdp_putRemovingTheDefaultAuthzPath_taken_andWarnedOfNamingIt() throws Exception {
    Path file = tmp.resolve("api.token");
    Path log = tmp.resolve("pdp.log");
    Process pdp =
        new ProcessBuilder(
                java(
                    "pdp",
                    "--addr",
                    "127.0.0.1:0",
                    "--data-dir",
                    tmp.resolve("data").toString(),
                    "--api-token-file",
                    file.toString()))
            .redirectError(log.toFile())
            .start();
    try {
      String base = awaitAddress(pdp);
      String token = Files.readString(file).strip();
      assertThat(send(base, "PUT", "a", "package authz\nallow := true\n", token).statusCode())
          .isEqualTo(200);

      HttpResponse<String> put = send(base, "PUT", "a", "package authz\nx := 1\n", token);

      assertThat(put.statusCode()).isEqualTo(200);
      assertThat(awaitLog(log, "--authz-path=authz/allow"))
          .contains("configured policy paths that no rule or data");
    } finally {
      pdp.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  private static List<String> java(String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private HttpResponse<String> send(
      String base, String method, String id, String body, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/policies/" + id))
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String allow(String base, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/data/" + path))
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /** Waits for the log to hold a line with {@code text}; returns that line. */
  private static String awaitLog(Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      for (String line : Files.readAllLines(log)) {
        if (line.contains(text)) {
          return line;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no log line with " + text + " in:\n" + Files.readString(log));
  }

  private static void awaitLine(Process p, String start) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(start)) {
        return;
      }
    }
    throw new AssertionError("the process stopped before it printed " + start);
  }

  private static String awaitAddress(Process node) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("vigil pdp stopped before it listened");
  }
}
