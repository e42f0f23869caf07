package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.TotpSteps;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A one-time code is taken once, however step-ups of one user interleave. The check used to store
 * the new step and then put the old one back when the code was stale; a step-up with the current
 * code that came between those two writes, beside a stale one, was taken a second time.
 */
class TotpReplayRaceTest {

  static final String SECRET = Totp.newSecret();

  @Test
  void stepUp_sameCodeRacingAStaleOne_takenOnceEveryRound() throws Exception {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-05T00:00:00Z"));
    InstantSource clock = now::get;
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofDays(365), Duration.ofDays(365), clock);
    LocalUser erin =
        new LocalUser(
            "erin", "erin@example.com", List.of("sre"), List.of(), PasswordHash.hash("pw"), SECRET);
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(erin),
            codec,
            clock,
            true,
            SignInThrottle.withDefaults(clock),
            TotpSteps.inMemory());
    Session pwdOnly = auth.authenticate("erin", "pw", null, null).session();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      for (int round = 0; round < 500; round++) {
        now.set(now.get().plusSeconds(30));
        String current = Totp.code(SECRET, clock);
        String stale = Totp.code(SECRET, () -> now.get().minusSeconds(30));
        CyclicBarrier start = new CyclicBarrier(3);
        List<Future<Boolean>> taken = new ArrayList<>();
        for (String code : List.of(current, stale, current)) {
          taken.add(
              pool.submit(
                  () -> {
                    start.await(5, TimeUnit.SECONDS);
                    return auth.stepUp(pwdOnly, code, null).session() != null;
                  }));
        }
        int currentTaken = (taken.get(0).get() ? 1 : 0) + (taken.get(2).get() ? 1 : 0);

        assertThat(currentTaken).as("round %d: the current code taken", round).isEqualTo(1);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
