package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.store.TotpSteps;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The node's bound on password checks, and how a sign-in refused by it counts. */
class PasswordChecksTest {

  private final CountDownLatch release = new CountDownLatch(1);
  private final PasswordChecks checks =
      new PasswordChecks(new PasswordChecks.Limits(1, 2, Duration.ofSeconds(1)));

  @AfterEach
  void stop() {
    release.countDown();
    checks.close();
  }

  /** Takes the one thread and both places in the queue until {@link #release}. */
  private List<CompletableFuture<Object>> fill() throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    CompletableFuture<Object> first =
        checks.submit(
            () -> {
              running.countDown();
              return waitForRelease();
            });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
    return List.of(first, checks.submit(this::waitForRelease), checks.submit(this::waitForRelease));
  }

  private Object waitForRelease() {
    try {
      release.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "done";
  }

  @Test
  void submit_pastAtOnceAndWaiting_busyAtOnce_runningNothing() throws Exception {
    List<CompletableFuture<Object>> taken = fill();
    boolean[] ran = {false};

    assertThatThrownBy(() -> checks.submit(() -> ran[0] = true))
        .isInstanceOf(PasswordChecks.Busy.class)
        .hasMessageContaining("1 at once, 2 waiting");
    assertThat(checks.waiting()).isEqualTo(2);
    release.countDown();
    taken.forEach(f -> assertThat(f.join()).isEqualTo("done"));
    assertThat(checks.submit(() -> "again").get(10, TimeUnit.SECONDS)).isEqualTo("again");
    assertThat(ran[0]).isFalse();
  }

  /**
   * An attempt refused busy is refused unheard: whatever the name or password (a user's right one
   * too), with the retry of the bound, and it counts as no failure, so a flood of them locks no
   * account.
   */
  @Test
  void authenticateQueued_checksTaken_busyForEveryName_countsNoFailure() throws Exception {
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(new LocalUser("erin", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            new SessionCodec(
                SessionCodec.newKey(), Duration.ofMinutes(5), Duration.ofHours(1), clock),
            clock,
            false,
            SignInThrottle.withDefaults(clock),
            TotpSteps.inMemory(),
            checks);
    List<CompletableFuture<Object>> taken = fill();

    LocalAuthenticator.Result right =
        auth.authenticateQueued("erin", "pw", null, "10.0.0.1").join();
    LocalAuthenticator.Result unknown =
        auth.authenticateQueued("nobody", "pw", null, "10.0.0.1").join();
    for (int i = 0; i < 10; i++) {
      assertThat(auth.authenticateQueued("erin", "wrong", null, "10.0.0.1").join().busy()).isTrue();
    }

    assertThat(right.session()).isNull();
    assertThat(right.busy()).isTrue();
    assertThat(right.throttled()).isFalse();
    assertThat(right.retryAfterSeconds()).isEqualTo(1);
    assertThat(unknown.refusal()).isEqualTo(right.refusal());
    release.countDown();
    taken.forEach(CompletableFuture::join);
    assertThat(auth.authenticateQueued("erin", "pw", null, "10.0.0.1").get(30, TimeUnit.SECONDS))
        .as("no failure was counted: the account is not locked")
        .satisfies(r -> assertThat(r.session()).isNotNull());
  }
}
