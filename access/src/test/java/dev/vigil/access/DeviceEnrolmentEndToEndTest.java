package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.access.http.DeviceRoutes;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device enrols and reports over HTTP to the control plane's endpoints, on real sockets. */
class DeviceEnrolmentEndToEndTest {

  @TempDir Path tmp;
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
  final InstantSource clock = () -> now.get();
  final HttpClient http = HttpClient.newHttpClient();
  Store store;
  Devices devices;
  Vertx vertx;
  URI server;
  final List<String> refused = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    store = Store.open(StoreLocation.embedded(tmp.resolve("data")));
    devices =
        Devices.open(store, CaKeyCipher.ofKey(new byte[32]), clock, Devices.Options.defaults());
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route().handler(BodyHandler.create(false).setBodyLimit(64 * 1024));
    DeviceRoutes.install(
        router,
        devices,
        (endpoint, peer, code, reason) -> {
          String id = "refusal-" + refused.size();
          refused.add(String.join(" ", id, endpoint, peer, code, reason));
          return id;
        });
    HttpServer s =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    server = URI.create("http://127.0.0.1:" + s.actualPort());
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    devices.close();
    store.close();
  }

  @Test
  void enrollThenReport_overHttp_deviceBecomesManaged() throws Exception {
    String token = devices.createToken("alice", Duration.ofHours(1));
    KeyPair key = DeviceAgent.newKey();

    var enrolment = DeviceAgent.enrollRemote(http, server, token, "alice-laptop", key);
    DeviceAgent agent = DeviceAgent.save(tmp.resolve("device"), key, enrolment);
    long maxAge =
        DeviceAgent.sendReport(
            http,
            server,
            agent.signReport(new Posture("linux", "x", 1, true, true, true), now.get()));

    assertThat(maxAge).isEqualTo(3600);
    assertThat(agent.deviceId()).isEqualTo(enrolment.deviceId()).startsWith("dev-");
    assertThat(devices.identify(List.of(agent.certificate())).managed()).isTrue();
    assertThat(Files.getPosixFilePermissions(tmp.resolve("device").resolve(DeviceAgent.KEY)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void enroll_tokenReusedOverHttp_refusedWith401AndCode() throws Exception {
    String token = devices.createToken("alice", Duration.ofHours(1));
    DeviceAgent.enrollRemote(http, server, token, "a", DeviceAgent.newKey());

    assertThatThrownBy(
            () -> DeviceAgent.enrollRemote(http, server, token, "b", DeviceAgent.newKey()))
        .isInstanceOf(DeviceException.class)
        .hasMessageContaining("already used");
    HttpResponse<String> raw =
        http.send(
            HttpRequest.newBuilder(server.resolve("/v1/devices/enroll"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        new io.vertx.core.json.JsonObject()
                            .put("token", token)
                            .put("csr", DeviceCertificates.csr(DeviceAgent.newKey()))
                            .encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(raw.statusCode()).isEqualTo(401);
    assertThat(raw.body()).contains("\"error\":\"bad_token\"").doesNotContain("Exception");
  }

  @Test
  void report_replayedOverHttp_refusedWith409() throws Exception {
    String token = devices.createToken("alice", Duration.ofHours(1));
    KeyPair key = DeviceAgent.newKey();
    DeviceAgent agent =
        DeviceAgent.save(
            tmp.resolve("device"), key, DeviceAgent.enrollRemote(http, server, token, "a", key));
    String jws = agent.signReport(new Posture("linux", null, null, true, null, null), now.get());
    DeviceAgent.sendReport(http, server, jws);

    HttpResponse<String> again =
        http.send(
            HttpRequest.newBuilder(server.resolve("/v1/devices/report"))
                .POST(HttpRequest.BodyPublishers.ofString(jws))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.body()).contains("\"error\":\"replay\"");
  }

  @Test
  void report_replayedOrForged_refusalRecordedUnderTheDecisionIdOfTheAnswer() throws Exception {
    String token = devices.createToken("alice", Duration.ofHours(1));
    KeyPair key = DeviceAgent.newKey();
    DeviceAgent agent =
        DeviceAgent.save(
            tmp.resolve("device"), key, DeviceAgent.enrollRemote(http, server, token, "a", key));
    String jws = agent.signReport(new Posture("linux", null, null, true, null, null), now.get());
    DeviceAgent.sendReport(http, server, jws);
    String[] parts = jws.split("\\.");
    // Another first character of the signature: "A" alone left one signature in 64 unchanged,
    // and the forgery was then the replay.
    String first = parts[2].startsWith("A") ? "B" : "A";
    String forged = parts[0] + "." + parts[1] + "." + first + parts[2].substring(1);

    HttpResponse<String> again = postReport(jws);
    HttpResponse<String> altered = postReport(forged);
    HttpResponse<String> garbage = postReport("{\"kid\":\"x\"}");

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.headers().firstValue("X-Vigil-Decision-Id")).hasValue("refusal-0");
    assertThat(again.body()).contains("\"decision_id\":\"refusal-0\"");
    assertThat(altered.statusCode()).isEqualTo(401);
    assertThat(altered.headers().firstValue("X-Vigil-Decision-Id")).hasValue("refusal-1");
    assertThat(garbage.statusCode()).isEqualTo(400);
    assertThat(refused).hasSize(3);
    assertThat(refused.get(0))
        .startsWith("refusal-0 /v1/devices/report 127.0.0.1 replay ")
        .contains(agent.deviceId());
    assertThat(refused.get(1)).startsWith("refusal-1 /v1/devices/report 127.0.0.1 bad_signature ");
    assertThat(refused.get(2)).startsWith("refusal-2 /v1/devices/report 127.0.0.1 bad_report ");
  }

  private HttpResponse<String> postReport(String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(server.resolve("/v1/devices/report"))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void enroll_bodyNotJson_400() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.resolve("/v1/devices/enroll"))
                .POST(HttpRequest.BodyPublishers.ofString("not json"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("JSON object");
  }

  @Test
  void enroll_bodyRepeatingToken_400NamingTheKey() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.resolve("/v1/devices/enroll"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"token\":\"a\",\"csr\":\"b\",\"token\":\"c\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("enrolment request: duplicate key \\\"token\\\"");
  }

  @Test
  void ca_servesTheDeviceCaCertificate() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.resolve("/v1/devices/ca")).build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(DeviceCertificates.certificates(r.body()).get(0)).isEqualTo(devices.caCertificate());
  }
}
