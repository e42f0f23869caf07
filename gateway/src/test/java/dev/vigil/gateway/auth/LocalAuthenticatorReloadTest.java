package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.TotpSteps;
import dev.vigil.testkit.SteppingClock;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A reload of the users while a sign-in or step-up runs leaves it on one set of users. */
class LocalAuthenticatorReloadTest {

  static final String SECRET = Totp.newSecret();
  static final LocalUser ERIN =
      new LocalUser(
          "erin", "erin@example.com", List.of("sre"), List.of(), PasswordHash.hash("pw"), SECRET);

  /**
   * Regression: step-up looked the user up once to see that they could step up and again to check
   * the code; a reload that removed them in between made the second look-up null, and the step-up
   * failed with a NullPointerException (a 500) instead of an answer.
   */
  @Test
  void stepUp_userRemovedWhileItRuns_answersOnTheUsersItStartedWith() {
    InstantSource clock = InstantSource.system();
    SteppingClock throttleClock = new SteppingClock();
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(ERIN),
            codec,
            clock,
            true,
            SignInThrottle.withDefaults(throttleClock),
            TotpSteps.inMemory());
    Session pwdOnly = auth.authenticate("erin", "pw", null, null).session();
    assertThat(pwdOnly.mfa()).isFalse();

    // The throttle's clock is read between the first look-up and the code's check.
    throttleClock.runOnce(() -> auth.replaceUsers(List.of()));
    LocalAuthenticator.Result r = auth.stepUp(pwdOnly, Totp.code(SECRET, clock), null);

    assertThat(throttleClock.ran()).isTrue();
    assertThat(r.session()).isNotNull();
    assertThat(r.session().mfa()).isTrue();
    // The session it made counts for the users of now only: erin is gone.
    assertThat(auth.current(r.session()).session()).isNull();
    assertThat(auth.current(r.session()).refusal()).isEqualTo("the user is no longer configured");
  }

  @Test
  void current_withAGeneration_usesItNotTheUsersOfNow() {
    InstantSource clock = InstantSource.system();
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    LocalAuthenticator auth = new LocalAuthenticator(List.of(ERIN), codec, clock, true);
    LocalUsers before = auth.users();
    Session s = auth.authenticate("erin", "pw", null, null).session();

    auth.replaceUsers(List.of());

    assertThat(auth.current(s).session()).isNull();
    assertThat(auth.current(s, before).session().roles()).containsExactly("sre");
  }

  @Test
  void of_userTwice_isRefusedNamingTheUser() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalUsers.of(List.of(ERIN, ERIN)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("local user \"erin\" is defined twice");
  }
}
