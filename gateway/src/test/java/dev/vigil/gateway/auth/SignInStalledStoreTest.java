package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.SignInFailures;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import dev.vigil.store.UsedOnce;
import dev.vigil.testkit.StallingRelay;
import dev.vigil.testkit.TestSchemas;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: a node whose PostgreSQL store stopped answering without closing its connections (a
 * network that drops packets, a frozen proxy) held every sign-in for ever, in the read of the
 * failed sign-ins counted in the store; with the store refusing connections a sign-in took 20 to 30
 * s (10 s for each call waiting for a connection). The docs promise that such a node refuses
 * one-time codes and counts failures itself: it now does so within a few seconds for the first
 * sign-in, and at once for the next ones while the store stays silent.
 */
class SignInStalledStoreTest {

  private static final String SECRET = Totp.newSecret();
  private static final LocalUser ERIN =
      new LocalUser("erin", "", List.of("sre"), List.of(), PasswordHash.hash("erin's pw"), SECRET);
  private static final LocalUser CAROL =
      new LocalUser("carol", "", List.of("sre"), List.of(), PasswordHash.hash("carol's pw"), null);

  /** The first call after the store stalls: a few seconds, not the pool's 10 s wait, twice. */
  private static final Duration FIRST = Duration.ofSeconds(8);

  /**
   * The calls after it, while the store stays silent: no wait on the store at all. Half the pool's
   * 10 s wait, so that a slow password hash on a loaded machine is not taken for a wait on the
   * store (2 s failed once beside other builds).
   */
  private static final Duration NEXT = Duration.ofSeconds(5);

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_stall_");

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T17:00:10Z"));
  private final InstantSource clock = now::get;

  private LocalAuthenticator node(Store store) {
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofHours(1), Duration.ofHours(8), clock);
    return new LocalAuthenticator(
        List.of(ERIN, CAROL),
        codec,
        clock,
        false,
        new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, SignInFailures.open(store)),
        TotpSteps.open(store, clock));
  }

  @Test
  void authenticate_storeStalled_answersWithinSeconds_refusesCodes_countsFailuresHere()
      throws Exception {
    String schema = schemas.create();
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema)))) {
      LocalAuthenticator node = node(store);
      assertThat(node.authenticate("carol", "carol's pw", null, "10.0.0.1").session())
          .as("a sign-in while the store answers")
          .isNotNull();

      relay.stall();

      LocalAuthenticator.Result right =
          assertTimeoutPreemptively(
              FIRST, () -> node.authenticate("carol", "carol's pw", null, "10.0.0.1"));
      assertThat(right.session()).as("the right password, counted here only").isNotNull();
      LocalAuthenticator.Result code =
          assertTimeoutPreemptively(
              NEXT,
              () -> node.authenticate("erin", "erin's pw", Totp.code(SECRET, clock), "10.0.0.1"));
      assertThat(code.session()).isNull();
      assertThat(code.refusal()).isEqualTo("one-time code cannot be checked now");
      // Five wrong passwords lock the account on this node's own count, each answered at once.
      for (int i = 0; i < 5; i++) {
        LocalAuthenticator.Result wrong =
            assertTimeoutPreemptively(
                NEXT, () -> node.authenticate("carol", "guess", null, "10.0.0.1"));
        assertThat(wrong.session()).isNull();
      }
      LocalAuthenticator.Result locked =
          assertTimeoutPreemptively(
              NEXT, () -> node.authenticate("carol", "carol's pw", null, "10.0.0.1"));
      assertThat(locked.retryAfter()).as("locked from this node's count").isPositive();

      relay.resume();

      // Once the store answers again, codes are recorded there and accepted (after the hold). A
      // code of the next step: the refused one may have reached the store late and been taken.
      now.set(now.get().plusSeconds(30));
      // Each refused try would count as a failure: one try, once the 10 s hold is over.
      Thread.sleep(11_000);
      LocalAuthenticator.Result again =
          node.authenticate("erin", "erin's pw", Totp.code(SECRET, clock), "10.0.0.2");
      assertThat(again.session()).as("the code, once the store answers: " + again).isNotNull();
    }
  }

  /**
   * Regression: a sign-out on a node whose store stopped answering was never answered (the sign-out
   * is stored before the answer, and the store's reply never came), and every later sign-out and
   * retry of that node waited behind it on the one thread that stores them.
   */
  @Test
  void signOut_storeStalled_answeredWithinSeconds_refusedHere_storedOnceTheStoreAnswers()
      throws Exception {
    String schema = schemas.create();
    Duration absolute = Duration.ofHours(8);
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema)));
        SessionSignOuts signOuts = SessionSignOuts.open(store, "gateway", absolute, clock);
        Store other = Store.open(StoreLocation.parse(TestSchemas.url(schema)));
        SessionSignOuts otherNode = SessionSignOuts.open(other, "gateway", absolute, clock)) {
      SessionCodec codec =
          new SessionCodec(SessionCodec.newKey(), Duration.ofHours(1), absolute, clock, signOuts);
      Session first = codec.start(CAROL, List.of("pwd"));
      Session second = codec.start(CAROL, List.of("pwd"));

      relay.stall();

      CompletableFuture<Boolean> out = codec.signOut(first);
      assertThat(out.get(FIRST.toSeconds(), TimeUnit.SECONDS)).as("not stored, answered").isFalse();
      CompletableFuture<Boolean> next = codec.signOut(second);
      assertThat(next.get(FIRST.toSeconds(), TimeUnit.SECONDS)).isFalse();
      assertThat(codec.open(codec.seal(first))).as("refused on this node").isNull();

      relay.resume();

      // Stored by the retry (every 30 s): the other node refuses both then.
      long deadline = System.nanoTime() + Duration.ofSeconds(75).toNanos();
      while (System.nanoTime() < deadline
          && !(otherNode.refuses(first.id()) && otherNode.refuses(second.id()))) {
        Thread.sleep(500);
      }
      assertThat(otherNode.refuses(first.id())).as("stored once the store answers").isTrue();
      assertThat(otherNode.refuses(second.id())).isTrue();
    }
  }

  /**
   * Regression: an OpenID Connect callback on a node whose store stopped answering waited for ever
   * to record its state as used, as the sign-in guards did.
   */
  @Test
  void usedOnce_storeStalled_refusedWithinSeconds() throws Exception {
    String schema = schemas.create();
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema)))) {
      UsedOnce states = UsedOnce.open(store, clock);
      assertThat(states.use("oidc-state:corp:first", 1_900_000_000L)).isTrue();

      relay.stall();

      assertTimeoutPreemptively(
          FIRST,
          () ->
              assertThatThrownBy(() -> states.use("oidc-state:corp:second", 1_900_000_000L))
                  .isInstanceOf(StoreException.class));
      relay.resume();
    }
  }
}
