package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.KeySourceException;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Key rotation and withdrawal at a provider, served over a real socket, with a clock the test
 * moves. Regression: a key the provider withdrew was accepted for up to an hour.
 */
class JwksCacheTest {

  HttpServer server;
  final AtomicReference<JWKSet> published = new AtomicReference<>();
  final AtomicReference<String> cacheControl = new AtomicReference<>();
  final AtomicReference<String> rawBody = new AtomicReference<>();
  final AtomicReference<String> age = new AtomicReference<>();
  final AtomicInteger status = new AtomicInteger(200);
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
          String text = rawBody.get() != null ? rawBody.get() : published.get().toString();
          byte[] body = text.getBytes(StandardCharsets.UTF_8);
          if (cacheControl.get() != null) {
            ex.getResponseHeaders().add("Cache-Control", cacheControl.get());
          }
          if (age.get() != null) {
            ex.getResponseHeaders().add("Age", age.get());
          }
          ex.sendResponseHeaders(status.get(), body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    server.start();
    URI at = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks");
    InstantSource clock = () -> now.get();
    cache = new JwksCache(() -> at, Duration.ofSeconds(30), clock);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  boolean knows(String kid) throws KeySourceException {
    return !cache.get(new JWKSelector(new JWKMatcher.Builder().keyID(kid).build()), null).isEmpty();
  }

  void later(Duration d) {
    now.set(now.get().plus(d));
  }

  @Test
  void get_keyRepeatingKid_refusedNamingTheKey() {
    // A first-wins reader would file this key under k9; Nimbus alone filed it under k1.
    rawBody.set(published.get().toString().replace("\"kid\"", "\"kid\":\"k9\",\"kid\""));

    assertThatThrownBy(() -> knows("k1"))
        .isInstanceOf(KeySourceException.class)
        .hasMessageContaining("duplicate key \"kid\" in object keys.[0]");
  }

  @Test
  void get_rotatedKey_fetchedOnFirstUnknownKid() throws Exception {
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(List.of(first.toPublicJWK(), second.toPublicJWK())));
    later(Duration.ofSeconds(31));

    assertThat(knows("k2")).isTrue();
    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_unknownKids_fetchAtMostOncePerInterval() throws Exception {
    knows("k1");

    for (int i = 0; i < 20; i++) {
      assertThat(knows("invented-" + i)).isFalse();
    }
    later(Duration.ofSeconds(31));
    knows("another");

    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_withdrawnKeyNoCacheControl_refusedOnceTheSetIsFiveMinutesOld() throws Exception {
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(second.toPublicJWK()));

    later(Duration.ofMinutes(5).minusSeconds(1));
    assertThat(knows("k1")).isTrue();
    assertThat(cache.fetches()).isEqualTo(1);
    later(Duration.ofSeconds(1));

    assertThat(knows("k1")).isFalse();
    assertThat(knows("k2")).isTrue();
    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_withdrawnKeyMaxAge90_refusedAfter90Seconds() throws Exception {
    cacheControl.set("public, max-age=90");
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(second.toPublicJWK()));

    later(Duration.ofSeconds(89));
    assertThat(knows("k1")).isTrue();
    later(Duration.ofSeconds(1));

    assertThat(knows("k1")).isFalse();
  }

  @Test
  void get_maxAgeLessAge_refusedWhenTheRestRunsOut() throws Exception {
    cacheControl.set("max-age=200");
    age.set("80");
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(second.toPublicJWK()));

    later(Duration.ofSeconds(120));

    assertThat(knows("k1")).isFalse();
  }

  @Test
  void get_maxAgeOfADay_heldToFiveMinutes() throws Exception {
    cacheControl.set("max-age=86400");
    assertThat(knows("k1")).isTrue();
    published.set(new JWKSet(second.toPublicJWK()));

    later(JwksCache.MAX_FRESH);

    assertThat(knows("k1")).isFalse();
  }

  @Test
  void get_noStore_readAtMostOncePerMinute() throws Exception {
    cacheControl.set("no-store");
    assertThat(knows("k1")).isTrue();

    for (int i = 0; i < 59; i++) {
      later(Duration.ofSeconds(1));
      assertThat(knows("k1")).isTrue();
    }
    assertThat(cache.fetches()).isEqualTo(1);
    later(Duration.ofSeconds(1));
    knows("k1");

    assertThat(cache.fetches()).isEqualTo(2);
  }

  @Test
  void get_providerDown_keepsTheLastKeysFifteenMinutesThenRefusesEvery() throws Exception {
    assertThat(knows("k1")).isTrue();
    status.set(503);

    later(JwksCache.MAX_STALE.minusSeconds(1));
    assertThat(knows("k1")).isTrue();
    later(Duration.ofSeconds(1));

    assertThatThrownBy(() -> knows("k1"))
        .isInstanceOf(KeySourceException.class)
        .hasMessageContaining("were read last at 2026-12-04T12:00:00Z, more than 15 min ago")
        .hasMessageContaining("answered 503");
  }

  @Test
  void get_providerDown_triedAgainAtMostOncePerInterval() throws Exception {
    knows("k1");
    status.set(503);
    later(JwksCache.MAX_FRESH);
    knows("k1");
    int failing = cache.fetches();

    for (int i = 0; i < 29; i++) {
      later(Duration.ofSeconds(1));
      knows("k1");
      knows("invented-" + i);
    }
    assertThat(cache.fetches()).isEqualTo(failing);
    later(Duration.ofSeconds(1));
    knows("k1");

    assertThat(cache.fetches()).isEqualTo(failing + 1);
  }

  @Test
  void get_providerBackAfterTheKeysWentStale_acceptedAgain() throws Exception {
    knows("k1");
    status.set(503);
    later(JwksCache.MAX_STALE);
    assertThatThrownBy(() -> knows("k1")).isInstanceOf(KeySourceException.class);
    status.set(200);
    later(Duration.ofSeconds(30));

    assertThat(knows("k1")).isTrue();
  }

  @Test
  void get_neverRead_refusedSayingWhy() {
    status.set(500);

    assertThatThrownBy(() -> knows("k1"))
        .isInstanceOf(KeySourceException.class)
        .hasMessageContaining("could not be read")
        .hasMessageContaining("answered 500");
  }

  @Test
  void get_privatePartsPublishedByMistake_neverHandedOut() throws Exception {
    published.set(new JWKSet(first));

    assertThat(cache.get(new JWKSelector(new JWKMatcher.Builder().keyID("k1").build()), null))
        .singleElement()
        .satisfies(k -> assertThat(k.isPrivate()).isFalse());
  }

  @ParameterizedTest(name = "Cache-Control: {0}, Age: {1} -> {2} s")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "- | - | 300",
        "public | - | 300",
        "max-age=90 | - | 90",
        "MAX-AGE = 120 | - | 120",
        "max-age=\"150\" | - | 150",
        "max-age=0 | - | 60",
        "max-age=30 | - | 60",
        "max-age=86400 | - | 300",
        "max-age=99999999999999999999 | - | 300",
        "max-age=200, max-age=100 | - | 100",
        "max-age=abc | - | 300",
        "max-age=-5 | - | 300",
        "max-age=200 | 80 | 120",
        "max-age=200 | 190 | 60",
        "max-age=200 | x | 200",
        "no-cache | - | 60",
        "max-age=240, no-store | - | 60",
        "private, must-revalidate, max-age=180 | - | 180",
      })
  void freshness_cacheControlAndAge_heldBetweenOneAndFiveMinutes(
      String cacheControl, String age, long seconds) {
    List<String> headers = cacheControl == null ? List.of() : List.of(cacheControl);

    assertThat(JwksCache.freshness(headers, Optional.ofNullable(age)))
        .isEqualTo(Duration.ofSeconds(seconds));
  }
}
