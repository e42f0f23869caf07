package dev.vigil.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.edge.IdentityAssertion;
import dev.vigil.sdk.AssertionRejectedException.Reason;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How the verifier follows a JWKS: served on loopback by a server whose keys, {@code
 * Cache-Control}, {@code Age} and status the test changes, with a clock the test moves. The gateway
 * itself is in {@link AssertionKeyWithdrawalTest}; here are the answers it never gives.
 */
class GatewayJwksTest {

  private static final String ISSUER = "vigil-gateway";

  private final StepClock clock = new StepClock(Instant.parse("2026-12-05T09:00:00Z"));
  private final AtomicReference<List<IdentityAssertion>> published = new AtomicReference<>();
  private final AtomicReference<String> cacheControl = new AtomicReference<>();
  private final AtomicReference<String> age = new AtomicReference<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger reads = new AtomicInteger();
  private HttpServer server;
  private IdentityAssertion first;
  private IdentityAssertion second;
  private AssertionVerifier app;

  @BeforeEach
  void start() throws Exception {
    first = new IdentityAssertion(ISSUER, Duration.ofSeconds(60), clock);
    second = new IdentityAssertion(ISSUER, Duration.ofSeconds(60), clock);
    published.set(List.of(first));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jwks",
        ex -> {
          reads.incrementAndGet();
          byte[] body = jwks(published.get()).getBytes(StandardCharsets.UTF_8);
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
    app =
        AssertionVerifier.fromJwksUrl(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks"),
            ISSUER,
            clock);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private static String jwks(List<IdentityAssertion> signers) {
    List<JWK> keys = new ArrayList<>();
    for (IdentityAssertion s : signers) {
      try {
        keys.addAll(JWKSet.parse(s.jwks()).getKeys());
      } catch (java.text.ParseException e) {
        throw new IllegalStateException(e);
      }
    }
    return new JWKSet(keys).toString();
  }

  /** Whether the app accepts an assertion {@code signer} makes now; false for KEY_UNKNOWN. */
  private boolean accepts(IdentityAssertion signer) throws Exception {
    try {
      return app.verify(signer.sign("ana", "reports", Map.of()), "reports") != null;
    } catch (AssertionRejectedException e) {
      if (e.reason() == Reason.KEY_UNKNOWN) {
        return false;
      }
      throw e;
    }
  }

  private AssertionRejectedException refusal(IdentityAssertion signer) {
    Throwable t = catchThrowable(() -> accepts(signer));
    assertThat(t).isInstanceOf(AssertionRejectedException.class);
    return (AssertionRejectedException) t;
  }

  @Test
  void verify_withdrawnKeyNoCacheControl_refusedOnceTheSetIsMaxFreshOld() throws Exception {
    assertThat(accepts(first)).isTrue();
    published.set(List.of(second));

    clock.step(AssertionVerifier.MAX_FRESH.minusSeconds(1));
    assertThat(accepts(first)).isTrue();
    clock.step(Duration.ofSeconds(1));

    assertThat(accepts(first)).isFalse();
    assertThat(accepts(second)).isTrue();
    assertThat(reads).hasValue(2);
  }

  @Test
  void verify_withdrawnKeyMaxAgeOfADay_heldToMaxFresh() throws Exception {
    cacheControl.set("public, max-age=86400");
    assertThat(accepts(first)).isTrue();
    published.set(List.of(second));

    clock.step(AssertionVerifier.MAX_FRESH);

    assertThat(accepts(first)).isFalse();
  }

  @Test
  void verify_maxAgeLessAge_readAgainWhenTheRestRunsOut() throws Exception {
    cacheControl.set("max-age=50");
    age.set("30");
    assertThat(accepts(first)).isTrue();
    published.set(List.of(second));

    clock.step(Duration.ofSeconds(19));
    assertThat(accepts(first)).isTrue();
    clock.step(Duration.ofSeconds(1));

    assertThat(accepts(first)).isFalse();
  }

  /**
   * A set read again every 30 s (as the gateway's max-age asks) was read less than 30 s before any
   * new key appears: with a floor of 30 s, as before, a rotated-in key was refused up to 30 s.
   */
  @Test
  void verify_rotatedInKey_acceptedTenSecondsAfterTheLastRead() throws Exception {
    cacheControl.set("max-age=30");
    assertThat(accepts(first)).isTrue();
    published.set(List.of(first, second));

    clock.step(Duration.ofSeconds(9));
    assertThat(accepts(second)).isFalse();
    clock.step(Duration.ofSeconds(1));

    assertThat(accepts(second)).isTrue();
    assertThat(reads).hasValue(2);
  }

  @Test
  void verify_unknownKidsFlood_readAtMostOncePerFloor() throws Exception {
    assertThat(accepts(first)).isTrue();

    for (int i = 0; i < 20; i++) {
      assertThat(accepts(new IdentityAssertion(ISSUER, Duration.ofSeconds(60), clock))).isFalse();
    }
    assertThat(reads).hasValue(1);
    clock.step(Duration.ofSeconds(10));
    accepts(second);

    assertThat(reads).hasValue(2);
  }

  @Test
  void verify_noStore_readAtMostOncePerFloor() throws Exception {
    cacheControl.set("no-store");
    assertThat(accepts(first)).isTrue();

    for (int i = 0; i < 9; i++) {
      clock.step(Duration.ofSeconds(1));
      assertThat(accepts(first)).isTrue();
    }
    assertThat(reads).hasValue(1);
    clock.step(Duration.ofSeconds(1));
    accepts(first);

    assertThat(reads).hasValue(2);
  }

  @Test
  void verify_jwksDown_lastKeysUsedForMaxStaleThenRefusedSayingWhy() throws Exception {
    assertThat(accepts(first)).isTrue();
    status.set(503);

    clock.step(AssertionVerifier.MAX_STALE.minusSeconds(1));
    assertThat(accepts(first)).isTrue();
    clock.step(Duration.ofSeconds(1));

    AssertionRejectedException e = refusal(first);
    assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    assertThat(e.getMessage())
        .contains("read last at 2026-12-05T09:00:00Z, more than 150 s ago")
        .contains("answered 503");
  }

  @Test
  void verify_jwksDown_triedAgainAtMostOncePerFloor() throws Exception {
    assertThat(accepts(first)).isTrue();
    status.set(503);
    clock.step(AssertionVerifier.MAX_FRESH);
    accepts(first);
    int failing = reads.get();

    for (int i = 0; i < 9; i++) {
      clock.step(Duration.ofSeconds(1));
      accepts(first);
      accepts(second);
    }
    assertThat(reads).hasValue(failing);
    clock.step(Duration.ofSeconds(1));
    accepts(first);

    assertThat(reads).hasValue(failing + 1);
  }

  @Test
  void verify_jwksBackAfterTheKeysWentStale_acceptedAgain() throws Exception {
    assertThat(accepts(first)).isTrue();
    status.set(503);
    clock.step(AssertionVerifier.MAX_STALE);
    assertThat(refusal(first).reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    status.set(200);
    clock.step(AssertionVerifier.REFRESH_FLOOR);

    assertThat(accepts(first)).isTrue();
  }

  @Test
  void verify_jwksNeverRead_refusedSayingWhyAndTriedOncePerFloor() {
    status.set(500);

    AssertionRejectedException e = refusal(first);
    refusal(first);

    assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE);
    assertThat(e.getMessage()).contains("could not be read").contains("answered 500");
    assertThat(reads).hasValue(1);
  }

  /**
   * Regression: the request's timeout covered the answer's head only, so a JWKS that sent its head
   * and then stalled held the read, and every assertion waiting on it, until the connection closed.
   */
  @Test
  void key_bodyStalls_readGivenUpAtTheDeadline() throws Exception {
    server.createContext(
        "/stall",
        ex -> {
          ex.sendResponseHeaders(200, 1000);
          try (OutputStream os = ex.getResponseBody()) {
            os.write("{\"keys\":[".getBytes(StandardCharsets.UTF_8));
            os.flush();
            Thread.sleep(5_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (java.io.IOException e) {
            // The verifier gave up and closed the connection.
          }
        });
    GatewayJwks keys =
        new GatewayJwks(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/stall"),
            clock,
            Duration.ofMillis(500));
    Throwable t = catchThrowable(() -> keys.key("k1"));

    assertThat(t)
        .isInstanceOfSatisfying(
            AssertionRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE))
        .hasMessageContaining("could not be read: no full answer within 500 ms");
  }

  @Test
  void key_answerBeyondTheCap_refusedNamingTheSize() throws Exception {
    server.createContext(
        "/huge",
        ex -> {
          byte[] chunk = new byte[64 * 1024];
          java.util.Arrays.fill(chunk, (byte) ' ');
          ex.sendResponseHeaders(200, 0);
          try (OutputStream os = ex.getResponseBody()) {
            os.write("{\"keys\":[]".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 16; i++) {
              os.write(chunk);
            }
            os.write("}".getBytes(StandardCharsets.UTF_8));
          } catch (java.io.IOException e) {
            // The verifier stopped reading.
          }
        });
    GatewayJwks keys =
        new GatewayJwks(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/huge"),
            clock,
            Duration.ofSeconds(10));

    Throwable t = catchThrowable(() -> keys.key("k1"));

    assertThat(t)
        .isInstanceOfSatisfying(
            AssertionRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE))
        .hasMessageContaining("the JWKS is larger than 512 KiB");
  }

  @ParameterizedTest(name = "Cache-Control: {0}, Age: {1} -> {2} s")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        "- | - | 60",
        "public | - | 60",
        "max-age=30 | - | 30",
        "MAX-AGE = 45 | - | 45",
        "max-age=\"20\" | - | 20",
        "max-age=0 | - | 10",
        "max-age=5 | - | 10",
        "max-age=86400 | - | 60",
        "max-age=99999999999999999999 | - | 60",
        "max-age=50, max-age=25 | - | 25",
        "max-age=abc | - | 60",
        "max-age=-5 | - | 60",
        "max-age=50 | 20 | 30",
        "max-age=50 | 45 | 10",
        "max-age=50 | x | 50",
        "no-cache | - | 10",
        "max-age=40, no-store | - | 10",
        "private, must-revalidate, max-age=35 | - | 35",
      })
  void freshness_cacheControlAndAge_heldBetweenFloorAndMaxFresh(
      String cacheControl, String age, long seconds) {
    List<String> headers = cacheControl == null ? List.of() : List.of(cacheControl);

    assertThat(GatewayJwks.freshness(headers, Optional.ofNullable(age)))
        .isEqualTo(Duration.ofSeconds(seconds));
  }

  @Test
  void verify_jwksRepeatingAKeysKid_refusedKeysUnavailableNamingTheKey() throws Exception {
    String kid =
        com.nimbusds.jwt.SignedJWT.parse(first.sign("a", "r", Map.of())).getHeader().getKeyID();
    String doubled = jwks(List.of(first)).replace("\"kid\"", "\"kid\":\"other\",\"kid\"");
    assertThat(doubled).contains("\"kid\":\"other\",\"kid\":\"" + kid + "\"");
    server.createContext(
        "/doubled",
        ex -> {
          byte[] body = doubled.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body);
          }
        });
    AssertionVerifier v =
        AssertionVerifier.fromJwksUrl(
            URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/doubled"),
            ISSUER,
            clock);

    assertThatThrownBy(() -> v.verify(first.sign("ana", "reports", Map.of()), "reports"))
        .isInstanceOfSatisfying(
            AssertionRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.KEYS_UNAVAILABLE))
        .hasMessageContaining("the JWKS: duplicate key \"kid\"");
  }
}
