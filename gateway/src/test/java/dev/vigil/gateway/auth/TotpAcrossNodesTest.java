package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two gateway nodes sharing a store (two stores opened on one location: one SQLite folder, or one
 * PostgreSQL schema) accept a one-time code once between them, at sign-in and at step-up. Before
 * the steps were kept in the store, each node remembered its own, and a code seen over a shoulder
 * was taken again on the other node within its 30 seconds.
 */
class TotpAcrossNodesTest {

  private static final String SECRET = Totp.newSecret();
  private static final LocalUser ERIN =
      new LocalUser(
          "erin", "erin@example.com", List.of("sre"), List.of(), PasswordHash.hash("pw"), SECRET);

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_totpnodes_");

  private final InstantSource clock = () -> Instant.parse("2026-12-05T17:00:10Z");

  static Stream<String> dialects() {
    return Stream.of("sqlite", "postgresql");
  }

  private StoreLocation location(String dialect) throws Exception {
    return dialect.equals("sqlite") ? StoreLocation.embedded(tmp) : schemas.createLocation();
  }

  /** A node: its own session key, throttle and store connection, as {@code vigil up} makes them. */
  private LocalAuthenticator node(Store store) {
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofHours(1), Duration.ofHours(8), clock);
    return new LocalAuthenticator(
        List.of(ERIN),
        codec,
        clock,
        true,
        SignInThrottle.withDefaults(clock),
        TotpSteps.open(store, clock));
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void authenticate_codeUsedOnOneNode_refusedOnTheOther(String dialect) throws Exception {
    StoreLocation where = location(dialect);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      String code = Totp.code(SECRET, clock);
      LocalAuthenticator.Result first = node(a).authenticate("erin", "pw", code, "10.0.0.1");
      assertThat(first.session()).isNotNull();
      assertThat(first.session().mfa()).isTrue();

      LocalAuthenticator.Result replay = node(b).authenticate("erin", "pw", code, "10.0.0.2");

      assertThat(replay.session()).isNull();
      assertThat(replay.refusal()).isEqualTo("one-time code already used");
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void stepUp_codeUsedOnOneNode_refusedOnTheOther(String dialect) throws Exception {
    StoreLocation where = location(dialect);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      LocalAuthenticator nodeA = node(a);
      LocalAuthenticator nodeB = node(b);
      Session onA = nodeA.authenticate("erin", "pw", null, null).session();
      Session onB = nodeB.authenticate("erin", "pw", null, null).session();
      String code = Totp.code(SECRET, clock);
      assertThat(nodeA.stepUp(onA, code, null).session()).isNotNull();

      LocalAuthenticator.Result replay = nodeB.stepUp(onB, code, null);

      assertThat(replay.session()).isNull();
      assertThat(replay.refusal()).isEqualTo("one-time code already used");
    }
  }

  @Test
  void authenticate_storeUnavailable_codeRefused() throws Exception {
    Store store = Store.open(StoreLocation.embedded(tmp));
    LocalAuthenticator node = node(store);
    store.close();

    LocalAuthenticator.Result r =
        node.authenticate("erin", "pw", Totp.code(SECRET, clock), "10.0.0.1");

    assertThat(r.session()).isNull();
    assertThat(r.refusal()).isEqualTo("one-time code cannot be checked now");
  }
}
