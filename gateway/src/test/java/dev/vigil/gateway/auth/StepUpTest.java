package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StepUpTest {

  @Test
  void of_string_isASecondFactorOfAnyAge() {
    assertThat(StepUp.of(Json.parse("\"mfa\""))).isEqualTo(StepUp.MFA);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{}                             | true  | -1",
        "{\"max_age\": 300}             | true  | 300",
        "{\"mfa\": false, \"max_age\": 0} | false | 0",
        "{\"max_age\": 300.0}           | true  | 300"
      })
  void of_object_readsMfaAndMaxAge(String json, boolean mfa, long maxAge) {
    assertThat(StepUp.of(Json.parse(json))).isEqualTo(new StepUp(mfa, maxAge));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "true                        | step_up must be a string or an object, not true",
        "{\"max_age\": -1}           | step_up.max_age must be a whole number of seconds, 0 or"
            + " more, not -1",
        "{\"max_age\": 2.5}          | step_up.max_age must be a whole number of seconds, 0 or"
            + " more, not 2.5",
        "{\"max_age\": \"5m\"}       | step_up.max_age must be a whole number of seconds, 0 or"
            + " more, not \"5m\"",
        "{\"mfa\": \"yes\"}          | step_up.mfa must be true or false, not \"yes\"",
        "{\"mfa\": false}          | step_up asks nothing: with mfa false, max_age is needed",
        "{\"maxage\": 300}           | step_up has an unknown field \"maxage\" (known: mfa,"
            + " max_age)"
      })
  void of_unreadable_refusedNamingTheFieldAndValue(String json, String message) {
    assertThatThrownBy(() -> StepUp.of(Json.parse(json)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void metBy_needsTheSecondFactorAndAnAuthenticationNoOlderThanMaxAge() {
    Session mfaAt1000 = session(true, 1000);
    Session pwdAt1000 = session(false, 1000);
    StepUp recentMfa = new StepUp(true, 300);
    StepUp recentAny = new StepUp(false, 300);

    assertThat(recentMfa.metBy(mfaAt1000, 1300)).isTrue();
    assertThat(recentMfa.metBy(mfaAt1000, 1301)).isFalse();
    assertThat(recentMfa.metBy(pwdAt1000, 1000)).isFalse();
    assertThat(recentAny.metBy(pwdAt1000, 1300)).isTrue();
    assertThat(StepUp.MFA.metBy(mfaAt1000, 1_000_000)).isTrue();
    assertThat(StepUp.MFA.metBy(pwdAt1000, 1000)).isFalse();
  }

  /**
   * Regression: with {@code max_age} 0 a session fresh from a step-up round was older than asked by
   * the time the browser came back, so the same step-up sent it round again, for ever with a
   * provider that re-authenticates silently.
   */
  @Test
  void metBy_maxAgeZero_sessionConfirmedForIt_metForTheReturnOnly() {
    StepUp now = new StepUp(false, 0);
    Session confirmed = session(false, 998).confirmed(1000, 0);

    assertThat(now.metBy(session(false, 998), 1000)).isFalse();
    assertThat(now.metBy(confirmed, 1000)).isTrue();
    assertThat(now.metBy(confirmed, 1000 + StepUp.RETURN_S)).isTrue();
    assertThat(now.metBy(confirmed, 1001 + StepUp.RETURN_S)).isFalse();
  }

  @Test
  void metBy_confirmedForALongerMaxAgeOrNone_doesNotMeetAShorterOne() {
    Session for300 = session(true, 700).confirmed(1000, 300);
    Session forNone = session(true, 700).confirmed(1000, StepUp.ANY_AGE);

    assertThat(new StepUp(true, 0).metBy(for300, 1001)).isFalse();
    assertThat(new StepUp(true, 300).metBy(for300, 1001)).isTrue();
    assertThat(new StepUp(true, 600).metBy(for300, 1001)).isTrue();
    assertThat(new StepUp(true, 0).metBy(forNone, 1001)).isFalse();
  }

  @Test
  void metBy_confirmedFresh_stillNeedsTheSecondFactorAsked() {
    assertThat(new StepUp(true, 0).metBy(session(false, 1000).confirmed(1000, 0), 1001)).isFalse();
  }

  private static Session session(boolean mfa, long authTime) {
    return new Session(
        "id",
        "u",
        "",
        List.of(),
        List.of(),
        List.of("pwd"),
        "",
        mfa,
        authTime,
        "local",
        authTime,
        authTime,
        null,
        0,
        "",
        authTime + 3600);
  }
}
