package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.RouteModeOverride;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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

  private void routeAddedToTheFile_servesWithoutRestart_andABadEditIsRefused(UpProcess up)
      throws Exception {
    String original = Files.readString(up.config);
    // The demo's echo route takes every host: anonymous, refused there.
    assertThat(hostStatus(up, "extra.localhost")).isEqualTo(401);
    Files.writeString(
        up.config,
        original
            + "  - name: extra\n    host: extra.localhost\n    upstream: http://127.0.0.1:9\n"
            + "    policy: authz/allow\n    mode: observe\n");
    // Observed, so let through, to an upstream that is not there.
    assertThat(waitForStatus(up, "extra.localhost", 502)).isTrue();

    Files.writeString(up.config, original + "unknown_key: true\n");
    Thread.sleep(2_500);

    assertThat(hostStatus(up, "extra.localhost")).isEqualTo(502);

    // A route whose policy path names nothing is refused saying where it is written, as a bad key
    // is. Regression: the refusal named the route and the path but not the file and line.
    long policyLine = original.lines().count() + 4;
    Files.writeString(
        up.config,
        original
            + "  - name: extra\n    host: extra.localhost\n    upstream: http://127.0.0.1:9\n"
            + "    policy: authz/alow\n    mode: enforce\n");
    String refusal =
        "configuration change refused, the previous one keeps serving: "
            + up.config
            + ":"
            + policyLine
            + ": routes["
            + original.lines().filter(l -> l.startsWith("  - name: ")).count()
            + "].policy: route \"extra\": policy \"authz/alow\" names no rule or data";
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!Files.readString(up.log).contains(refusal) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(up.log)).contains(refusal);
    assertThat(hostStatus(up, "extra.localhost")).isEqualTo(502);

    // So is an external-authorization path that names nothing. Regression: it was taken without a
    // word, and would have denied every /v1/authz request as undefined from the next start on.
    long authzLine = original.lines().takeWhile(l -> !l.equals("control_plane:")).count() + 2;
    Files.writeString(
        up.config,
        original.replace("control_plane:\n", "control_plane:\n  authz_policy: authz/alow\n"));
    String authzRefusal =
        "configuration change refused, the previous one keeps serving: "
            + up.config
            + ":"
            + authzLine
            + ": control_plane.authz_policy: policy \"authz/alow\" names no rule or data in bundle";
    deadline = System.nanoTime() + 15_000_000_000L;
    while (!Files.readString(up.log).contains(authzRefusal) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(up.log)).contains(authzRefusal);
    Files.writeString(up.config, original);
  }

  /**
   * Regression: a deleted configuration file was passed over in silence. The node keeps its routes
   * (fail safe) and warns that it no longer follows the file until it is back.
   */
  private void configFileDeleted_keepsServingTheLastGoodOne_andSaysSo(UpProcess up)
      throws Exception {
    String original = Files.readString(up.config);
    assertThat(hostStatus(up, "any.localhost")).isEqualTo(401);

    Files.delete(up.config);
    String warning =
        "configuration file "
            + up.config
            + " is gone (deleted or moved): vigil keeps running on the last good configuration";
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!Files.readString(up.log).contains(warning) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }

    assertThat(Files.readString(up.log)).contains(warning);
    assertThat(hostStatus(up, "any.localhost")).isEqualTo(401);
    Files.writeString(up.config, original);
    String back = "configuration file readable again: file=" + up.config;
    deadline = System.nanoTime() + 15_000_000_000L;
    while (!Files.readString(up.log).contains(back) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(Files.readString(up.log)).contains(back);
  }

  /**
   * A policy upload without the token of the data directory is refused before the bundle is even
   * asked about it; with the token it reaches the bundle's check (the demo bundle owns every
   * package).
   */
  private void apiWrites_needTheTokenOfTheDataDirectory(UpProcess up) throws Exception {
    Path file = up.dataDir.resolve("api.token");
    String token = Files.readString(file).strip();
    String policy = "package authz\nallow := true\n";

    HttpResponse<String> anonymous = put(up.controlPlaneUrl("/v1/policies/evil"), policy);
    HttpResponse<String> withToken =
        put(up.controlPlaneUrl("/v1/policies/evil"), policy, "Authorization", "Bearer " + token);

    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(withToken.statusCode()).isEqualTo(400);
    assertThat(withToken.body()).contains("is owned by bundle");
    assertThat(java.nio.file.Files.getPosixFilePermissions(file))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  private HttpResponse<String> put(String url, String body, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).PUT(HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int hostStatus(UpProcess up, String host) throws Exception {
    // java.net.http refuses to set Host, so the request is written by hand.
    java.net.Socket s = new java.net.Socket("127.0.0.1", up.gateway);
    try (s) {
      s.getOutputStream()
          .write(
              ("GET /x HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String status =
          new java.io.BufferedReader(
                  new java.io.InputStreamReader(
                      s.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
              .readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }

  private boolean waitForStatus(UpProcess up, String host, int status) throws Exception {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (hostStatus(up, host) == status) {
        return true;
      }
      Thread.sleep(200);
    }
    return false;
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
      apiWrites_needTheTokenOfTheDataDirectory(up);
      routeAddedToTheFile_servesWithoutRestart_andABadEditIsRefused(up);
      configFileDeleted_keepsServingTheLastGoodOne_andSaysSo(up);
      assertThat(up.stop()).isTrue();
    }
    // Regression: a SIGTERM stopped the node without a line in its log.
    String stopLog = Files.readString(up.log);
    assertThat(stopLog).contains("vigil up stopping: reason=SIGTERM");
    assertThat(stopLog.indexOf("vigil up stopped: reason=SIGTERM"))
        .isGreaterThan(stopLog.indexOf("vigil up stopping: reason=SIGTERM"));
    assertThat(password).matches("[A-Za-z0-9]{20}");
    assertThat(banner)
        .anySatisfy(l -> assertThat(l).contains("workload API    unix:").contains("agent.sock"))
        .anySatisfy(l -> assertThat(l).contains("API writes").contains("api.token"))
        .anySatisfy(l -> assertThat(l).contains("/console/"));
    assertThat(Files.readString(up.dataDir.resolve("admins.json"))).doesNotContain(password);
    String users = Files.readString(up.dataDir.resolve("demo-users.txt"));
    CliRun issued =
        CliRun.of(
            "identity",
            "issue",
            "--data-dir",
            up.dataDir.toString(),
            "--ca-key-file",
            up.dataDir.resolve("ca.key").toString(),
            "--spiffe-id",
            "spiffe://staging/billing",
            "--out",
            tmp.resolve("svid").toString());
    assertThat(issued.status())
        .as("the identity commands read vigil up's CA key: %s", issued.err())
        .isZero();

    try (up) {
      List<String> again = up.start();
      assertThat(get(up.controlPlaneUrl("/health")).statusCode()).isEqualTo(200);
      assertThat(Files.readString(up.dataDir.resolve("demo-users.txt"))).isEqualTo(users);
      assertThat(again)
          .noneMatch(l -> l.contains("first admin"))
          .noneMatch(l -> l.contains(password));
    }
  }

  @Test
  void modeSetInTheConsole_isAppliedAtStart_andNamedInTheLog() throws Exception {
    UpProcess up = new UpProcess(tmp);
    Instant at = Instant.parse("2026-12-05T03:50:00Z");
    try (Store store = Store.open(StoreLocation.embedded(up.dataDir))) {
      RouteModeOverrides overrides = new RouteModeOverrides(store);
      overrides.put(new RouteModeOverride("echo", "observe", "alice", at));
      overrides.put(new RouteModeOverride("gone", "enforce", "bob", at));
    }

    try (up) {
      up.start();
      // Enforced in the file, anonymous requests get 401; observed, they reach the echo app.
      assertThat(get(up.gatewayUrl("/hello")).statusCode()).isEqualTo(200);
      assertThat(up.stop()).isTrue();
    }

    assertThat(Files.readString(up.log))
        .contains(
            "route modes set in the console: [echo=observe (by alice at 2026-12-05T03:50:00Z;"
                + " configured: enforce)]")
        .contains("route modes set in the console for routes not configured, ignored: [gone=");
  }
}
