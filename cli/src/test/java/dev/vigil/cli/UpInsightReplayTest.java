package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.bundle.BundleBuilder;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil up --demo}: requests through its gateway are logged, then replayed against a
 * candidate on the control plane ({@code POST /v1/insight/replay}) and by {@code vigil insight
 * next-step} on the running node's data directory.
 */
class UpInsightReplayTest {

  @TempDir Path tmp;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** The demo's policy, with developers allowed to read. */
  private static final String CANDIDATE =
      "package authz\ndefault allow = false\nallow {\ninput.user.role == \"sre\"\n"
          + "input.resource.environment == \"production\"\ninput.action == \"read\"\n}\n"
          + "allow {\ninput.user.role == \"dev\"\ninput.action == \"read\"\n}\n";

  @Test
  void replayOnTheControlPlane_andNextStepOfTheObservedRoute() throws Exception {
    try (UpProcess up = new UpProcess(tmp)) {
      up.start();
      String bob = signIn(up, "bob");
      assertThat(get(up, bob, "localhost", "/hello")).isEqualTo(403);
      assertThat(get(up, bob, "reports.localhost", "/q3")).isEqualTo(200);

      byte[] candidate = tarball();
      String token = Files.readString(up.dataDir.resolve("api.token")).strip();
      HttpResponse<String> refused = replay(up, candidate, null);
      HttpResponse<String> replayed = replay(up, candidate, token);

      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(replayed.statusCode()).as(replayed.body()).isEqualTo(200);
      ObjectValue report = (ObjectValue) Json.parse(replayed.body());
      assertThat(report.get("denied_to_allowed").toJson()).isEqualTo("1");
      assertThat(report.get("allowed_to_denied").toJson()).isEqualTo("0");
      assertThat(replayed.body()).contains("\"GET\"").contains("\"/hello\"").contains("\"bob\"");

      // The demo has no reports/allow yet: monitoring the route would deny all its traffic.
      CliRun next =
          CliRun.of(
              "insight",
              "next-step",
              "reports",
              "--data-dir",
              up.dataDir.toString(),
              "--bundle",
              Path.of("../examples/demo/policies").toString(),
              "--v0-compatible");
      assertThat(next.status()).as(next.err()).isEqualTo(3);
      assertThat(next.out())
          .contains("route reports: observe")
          .contains("allowed -> denied  1")
          .contains("GET /q3  subject bob");
    }
  }

  private byte[] tarball() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("candidate"));
    Files.writeString(dir.resolve("authz.rego"), CANDIDATE);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BundleBuilder.build(dir, new BundleBuilder.Options(null, null, null, null, null, 0), out);
    return out.toByteArray();
  }

  private HttpResponse<String> replay(UpProcess up, byte[] bundle, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(up.controlPlaneUrl("/v1/insight/replay?route=echo")))
            .header("Content-Type", "application/gzip")
            .POST(HttpRequest.BodyPublishers.ofByteArray(bundle));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String signIn(UpProcess up, String user) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(up.gatewayUrl("/auth/login")))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"username\":\""
                            + user
                            + "\",\"password\":\""
                            + up.demoPassword(user)
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.headers().allValues("Set-Cookie").stream()
        .filter(c -> c.startsWith("vigil_session="))
        .findFirst()
        .orElseThrow()
        .split(";", 2)[0];
  }

  /** Sends a GET over a plain socket, the JDK's client refusing to set Host; returns the status. */
  private static int get(UpProcess up, String cookie, String host, String path) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), up.gateway)) {
      s.setSoTimeout(30_000);
      String req =
          "GET "
              + path
              + " HTTP/1.1\r\nHost: "
              + host
              + "\r\nCookie: "
              + cookie
              + "\r\nConnection: close\r\n\r\n";
      s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      String status =
          new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
              .readLine();
      return Integer.parseInt(status.split(" ")[1]);
    }
  }
}
