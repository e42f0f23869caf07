package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Key rotation at a provider, served over a real socket, with a clock the test moves. */
class JwksCacheTest {

  HttpServer server;
  final AtomicReference<JWKSet> published = new AtomicReference<>();
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-04T12:00:00Z"));
  JwksCache cache;
  RSAKey first;
  RSAKey second;

  @BeforeEach
  void start() throws Exception {
    first = new RSAKeyGenerator(2048).keyID("k1").generate();
    second = new RSAKeyGenerator(2048).keyID("k2").generate();
    published.set(new JWKSet(first.toPublicJWK()));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jwks",
        ex -> {
          byte[] body = published.get().toString().getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
    URI at = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    InstantSource clock = () -> now.get();
    cache = new JwksCache(() -> at, Duration.ofSeconds(30), Duration.ofHours(1), clock);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  boolean knows(String kid) {
    return !cache.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null).isEmpty();
  }

  @Test
  void get_rotatedKey_fetchedOnFirstUnknownKid() {
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(java.util.List.of(first.toPublicJWK(), second.toPublicJWK())));
    now.set(now.get().plusSeconds(31));

    assertThat(knows("k2")).isTrue();
    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_unknownKids_fetchAtMostOncePerInterval() {
    knows("k1");

    for (int i = 0; i < 20; i++) {
      assertThat(knows("invented-" + i)).isFalse();
    }
    now.set(now.get().plusSeconds(31));
    knows("another");

    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_withdrawnKey_refusedAfterMaxAge() {
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(second.toPublicJWK()));

    now.set(now.get().plus(Duration.ofMinutes(30)));
    assertThat(knows("k1")).isTrue();
    now.set(now.get().plus(Duration.ofMinutes(31)));

    assertThat(knows("k1")).isFalse();
  }

  @Test
  void get_providerDown_keepsTheKnownKeys() {
    assertThat(knows("k1")).isTrue();
    server.stop(0);
    now.set(now.get().plus(Duration.ofHours(2)));

    assertThat(knows("k1")).isTrue();
  }

  @Test
  void get_privatePartsPublishedByMistake_neverHandedOut() {
    published.set(new JWKSet(first));

    assertThat(cache.get(new JWKSelector(new JWKMatcher.Builder().keyID("k1").build()), null))
        .singleElement()
        .satisfies(k -> assertThat(k.isPrivate()).isFalse());
  }
}
