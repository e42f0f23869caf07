package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.pdp.Mode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real nginx (Debian's package; scripts/test installs it) in front of a small upstream, with
 * {@code auth_request} to the decision point's nginx endpoint. nginx runs in the foreground from a
 * configuration in a temporary directory, on loopback ephemeral ports, never as the system service.
 */
class NginxAuthRequestTest {

  @TempDir static Path tmp;
  static ExtAuthzFixture pdp;
  static HttpServer upstream;
  static Process nginx;
  static int nginxPort;
  static final AtomicInteger upstreamCalls = new AtomicInteger();
  static final Map<String, String> lastUpstreamHeaders = new ConcurrentHashMap<>();
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    pdp = new ExtAuthzFixture(tmp, List.of("127.0.0.1/32"), Mode.ENFORCE);
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        exchange -> {
          upstreamCalls.incrementAndGet();
          lastUpstreamHeaders.clear();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> lastUpstreamHeaders.put(k.toLowerCase(), String.join(",", v)));
          byte[] body = "upstream ok".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    upstream.start();
    startNginx();
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly();
      }
    }
    if (upstream != null) {
      upstream.stop(0);
    }
    pdp.close();
  }

  @BeforeEach
  void resetUpstream() {
    upstreamCalls.set(0);
    lastUpstreamHeaders.clear();
  }

  static String nginxBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, "nginx"))) {
        return Path.of(dir, "nginx").toString();
      }
    }
    for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    throw new AssertionError(
        "nginx is not installed: scripts/test installs Debian's nginx package when run as root");
  }

  static void startNginx() throws Exception {
    String binary = nginxBinary();
    Path dir = Files.createDirectories(tmp.resolve("nginx"));
    for (int attempt = 0; attempt < 3; attempt++) {
      nginxPort = freePort();
      Path conf = dir.resolve("nginx.conf");
      Files.writeString(
          conf, config(dir, nginxPort, pdp.http.port(), upstream.getAddress().getPort()));
      nginx =
          new ProcessBuilder(
                  binary,
                  "-p",
                  dir.toString(),
                  "-c",
                  conf.toString(),
                  "-e",
                  dir.resolve("error.log").toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      if (waitListening(nginxPort, nginx)) {
        return;
      }
      nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    throw new AssertionError("nginx did not start: " + Files.readString(dir.resolve("error.log")));
  }

  static String config(Path dir, int port, int pdpPort, int upstreamPort) {
    return """
    daemon off;
    worker_processes 1;
    pid %1$s/nginx.pid;
    error_log %1$s/error.log info;
    events { worker_connections 64; }
    http {
      access_log %1$s/access.log;
      client_body_temp_path %1$s/body;
      proxy_temp_path %1$s/proxy;
      fastcgi_temp_path %1$s/fastcgi;
      uwsgi_temp_path %1$s/uwsgi;
      scgi_temp_path %1$s/scgi;
      server {
        listen 127.0.0.1:%2$d;
        location = /_vigil_authz {
          internal;
          proxy_pass http://127.0.0.1:%3$d/v1/authz/nginx;
          proxy_pass_request_body off;
          proxy_set_header Content-Length "";
          proxy_set_header X-Original-URI $request_uri;
          proxy_set_header X-Original-Method $request_method;
          proxy_set_header X-Forwarded-Host $host;
          proxy_set_header X-Forwarded-Proto $scheme;
          proxy_set_header X-Forwarded-For $remote_addr;
        }
        location / {
          auth_request /_vigil_authz;
          auth_request_set $vigil_decision $upstream_http_x_vigil_decision_id;
          auth_request_set $vigil_user $upstream_http_x_user;
          proxy_set_header X-Vigil-Decision-Id $vigil_decision;
          proxy_set_header X-User $vigil_user;
          add_header X-Vigil-Decision-Id $vigil_decision always;
          proxy_pass http://127.0.0.1:%4$d;
        }
      }
    }
    """
        .formatted(dir, port, pdpPort, upstreamPort);
  }

  static int freePort() throws IOException {
    return dev.vigil.testkit.FreePorts.next();
  }

  static boolean waitListening(int port, Process p) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (!p.isAlive()) {
        return false;
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return true;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    return false;
  }

  static HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nginxPort + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i + 1 < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void nginx_allowedPath_reachesUpstreamWithDecisionId() throws Exception {
    HttpResponse<String> r = send("GET", "/public/page?x=1");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("upstream ok");
    assertThat(upstreamCalls.get()).isEqualTo(1);
    String id = lastUpstreamHeaders.get("x-vigil-decision-id");
    assertThat(id).isNotBlank();
    assertThat(pdp.logged(id).eventJson())
        .contains("\"path\":\"/public/page\"")
        .contains("\"adapter\":\"nginx\"");
  }

  @Test
  void nginx_deniedWithCredentials_answers403AndNeverCallsUpstream() throws Exception {
    HttpResponse<String> r = send("GET", "/admin", "Authorization", "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(upstreamCalls.get()).isZero();
    String id = r.headers().firstValue("x-vigil-decision-id").orElseThrow();
    assertThat(pdp.logged(id).allowed()).isFalse();
  }

  @Test
  void nginx_deniedWithoutCredentials_answers401() throws Exception {
    HttpResponse<String> r = send("GET", "/admin");

    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(upstreamCalls.get()).isZero();
  }

  @Test
  void nginx_spoofedOriginalUriFromClient_doesNotChangeTheDecision() throws Exception {
    HttpResponse<String> r =
        send(
            "GET",
            "/admin",
            "X-Original-URI",
            "/public/page",
            "X-Forwarded-Uri",
            "/public/page",
            "X-Original-Method",
            "GET",
            "Authorization",
            "Bearer alice");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(upstreamCalls.get()).isZero();
    String id = r.headers().firstValue("x-vigil-decision-id").orElseThrow();
    assertThat(pdp.logged(id).eventJson()).contains("\"path\":\"/admin\"");
  }

  @Test
  void nginx_methodDecides_getAllowedPostDenied() throws Exception {
    HttpResponse<String> get = send("GET", "/reports", "Authorization", "Bearer alice");
    HttpResponse<String> post = send("POST", "/reports", "Authorization", "Bearer alice");

    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(post.statusCode()).isEqualTo(403);
    assertThat(upstreamCalls.get()).isEqualTo(1);
  }

  @Test
  void nginx_identityHeaderFromPolicy_reachesUpstreamThroughAuthRequestSet() throws Exception {
    HttpResponse<String> r = send("GET", "/me", "X-User", "mallory");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(lastUpstreamHeaders.get("x-user")).isEqualTo("alice");
  }

  @Test
  void nginx_oddPolicyAnswers_neverReachUpstream() throws Exception {
    for (String path : ExtAuthzFixture.ODD_PATHS) {
      HttpResponse<String> r = send("GET", path, "Cookie", "session=1");

      assertThat(r.statusCode()).as(path).isEqualTo(403);
    }
    assertThat(upstreamCalls.get()).isZero();
  }
}
