package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.store.TotpSteps;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's sign-in beside the gateway's, as {@code vigil up} composes them. */
class ConsoleSignInTest {

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();

  private SessionCodec codec() {
    return new SessionCodec(
        SessionCodec.newKey(), Duration.ofMinutes(5), Duration.ofHours(1), clock);
  }

  /** The gateway's and the console's sign-ins of one node. */
  private record Both(LocalAuthenticator gateway, ConsoleSignIn console) {}

  /** Both sign-ins, sharing one throttle and one record of used codes, as {@code vigil up} does. */
  private Both both(List<LocalUser> users) {
    SignInThrottle throttle = SignInThrottle.withDefaults(clock);
    TotpSteps steps = TotpSteps.inMemory();
    return new Both(
        new LocalAuthenticator(users, codec(), clock, false, throttle, steps),
        new ConsoleSignIn(
            AdminAccounts.open(tmp, "admin"), codec(), clock, "admin", users, throttle, steps));
  }

  @Test
  void authenticate_guessesAtTheGateway_countAtTheConsole_untilTheLockEnds() {
    List<LocalUser> users =
        List.of(
            new LocalUser("dana", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null));
    Both both = both(users);
    LocalAuthenticator gateway = both.gateway();
    ConsoleSignIn console = both.console();
    for (int i = 0; i < 5; i++) {
      assertThat(gateway.authenticate("dana", "wrong", null, "10.0.0.1").session()).isNull();
    }

    LocalAuthenticator.Result locked = console.authenticate("dana", "pw", null, "10.0.0.2");

    assertThat(locked.session()).isNull();
    assertThat(locked.retryAfterSeconds()).isEqualTo(60);
    now.set(now.get().plusSeconds(60));
    assertThat(console.authenticate("dana", "pw", null, "10.0.0.2").session()).isNotNull();
  }

  @Test
  void authenticate_codeUsedAtTheGateway_refusedAtTheConsole() {
    String secret = Totp.newSecret();
    List<LocalUser> users =
        List.of(
            new LocalUser(
                "dana", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), secret));
    Both both = both(users);
    LocalAuthenticator gateway = both.gateway();
    ConsoleSignIn console = both.console();
    String code = Totp.code(secret, clock);
    assertThat(gateway.authenticate("dana", "pw", code, "10.0.0.1").session()).isNotNull();

    LocalAuthenticator.Result replay = console.authenticate("dana", "pw", code, "10.0.0.2");

    assertThat(replay.session()).isNull();
    assertThat(replay.refusal()).isEqualTo("one-time code already used");
  }
}
