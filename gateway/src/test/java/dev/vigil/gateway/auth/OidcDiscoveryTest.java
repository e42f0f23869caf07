package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The discovery document over a real socket: read again after an hour, checked, kept. */
class OidcDiscoveryTest {

  HttpServer server;
  String issuer;
  final AtomicReference<String> issuerInDoc = new AtomicReference<>();
  final AtomicReference<String> jwksPath = new AtomicReference<>("/keys-1");
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T12:00:00Z"));

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    issuer = "http://127.0.0.1:" + server.getAddress().getPort() + "/idp";
    issuerInDoc.set(issuer);
    server.createContext(
        "/idp/.well-known/openid-configuration",
        ex -> {
          String doc =
              "{\"issuer\":\""
                  + issuerInDoc.get()
                  + "\","
                  + "\"authorization_endpoint\":\""
                  + issuer
                  + "/authorize\","
                  + "\"token_endpoint\":\""
                  + issuer
                  + "/token\","
                  + "\"jwks_uri\":\""
                  + issuer
                  + jwksPath.get()
                  + "\","
                  + "\"response_types_supported\":[\"code\"],"
                  + "\"subject_types_supported\":[\"public\"],"
                  + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}";
          byte[] body = doc.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  OidcDiscovery discovery() {
    return new OidcDiscovery(
        new OidcLogin.Config(
            URI.create(issuer), "gw", "s", URI.create("http://gw/auth/callback"), List.of("RS256")),
        () -> now.get());
  }

  @Test
  void metadata_readAgainAfterAnHour_followsAMovedJwks() throws IOException {
    OidcDiscovery d = discovery();
    assertThat(d.jwksUri().getPath()).isEqualTo("/idp/keys-1");
    jwksPath.set("/keys-2");

    now.set(now.get().plus(Duration.ofMinutes(59)));
    assertThat(d.jwksUri().getPath()).isEqualTo("/idp/keys-1");
    now.set(now.get().plus(Duration.ofMinutes(2)));

    assertThat(d.jwksUri().getPath()).isEqualTo("/idp/keys-2");
  }

  @Test
  void metadata_providerDownLater_keepsTheLastDocument() throws IOException {
    OidcDiscovery d = discovery();
    d.metadata();
    server.stop(0);
    now.set(now.get().plus(Duration.ofHours(2)));

    assertThat(d.jwksUri().getPath()).isEqualTo("/idp/keys-1");
  }

  @Test
  void metadata_documentNamingAnotherIssuer_refused() {
    issuerInDoc.set("https://evil.example");

    assertThatThrownBy(() -> discovery().metadata())
        .isInstanceOf(IOException.class)
        .hasMessageContaining("OIDC discovery at " + issuer + " failed");
  }
}
