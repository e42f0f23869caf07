package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The throttle's counts and locks, stepped through with a clock the test moves. */
class SignInThrottleTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private final SignInThrottle throttle = SignInThrottle.withDefaults(clock);

  private void pass(Duration d) {
    now.set(now.get().plus(d));
  }

  /** Begins and fails an attempt that must be heard; returns the lock it started. */
  private Duration fail(String account, String address) {
    assertThat(throttle.begin(account, address)).isZero();
    return throttle.failed(account, address);
  }

  @Test
  void begin_afterFiveFailures_refusesForAMinuteThenHears() {
    for (int i = 0; i < 4; i++) {
      assertThat(fail("dave", "10.0.0.1")).isZero();
    }
    assertThat(fail("dave", "10.0.0.1")).isEqualTo(Duration.ofMinutes(1));

    assertThat(throttle.begin("dave", "10.0.0.2")).isEqualTo(Duration.ofMinutes(1));
    pass(Duration.ofSeconds(59));
    assertThat(throttle.begin("dave", "10.0.0.2")).isEqualTo(Duration.ofSeconds(1));
    pass(Duration.ofSeconds(1));
    assertThat(throttle.begin("dave", "10.0.0.2")).isZero();
  }

  @Test
  void failed_afterTheLimit_eachLockTwiceTheLast_upToFifteenMinutes() {
    for (int i = 0; i < 4; i++) {
      fail("dave", null);
    }
    Duration lock = fail("dave", null);
    StringBuilder locks = new StringBuilder(lock.toMinutes() + "");
    for (int i = 0; i < 5; i++) {
      pass(lock);
      lock = fail("dave", null);
      locks.append(' ').append(lock.toMinutes());
    }

    assertThat(locks.toString()).isEqualTo("1 2 4 8 15 15");
  }

  @Test
  void failures_forgottenFifteenMinutesAfterTheLastOrItsLock() {
    for (int i = 0; i < 4; i++) {
      fail("dave", null);
    }
    pass(Duration.ofMinutes(14));
    assertThat(fail("dave", null)).as("fifth within 15 minutes of the fourth").isPositive();

    pass(Duration.ofMinutes(1).plus(Duration.ofMinutes(15)));
    assertThat(fail("dave", null)).as("a count started over").isZero();
  }

  @Test
  void succeeded_forgetsTheAccountsFailures_notTheAddresss() {
    for (int i = 0; i < 4; i++) {
      fail("dave", "10.0.0.1");
    }
    assertThat(throttle.begin("dave", "10.0.0.1")).isZero();
    throttle.succeeded("dave", "10.0.0.1");

    assertThat(fail("dave", "10.0.0.1")).as("the account counts from zero").isZero();
    for (int i = 0; i < 14; i++) {
      fail("user" + i, "10.0.0.1");
    }
    assertThat(fail("erin", "10.0.0.1"))
        .as("twenty failures from one address, over many accounts")
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(throttle.begin("frank", "10.0.0.1")).isEqualTo(Duration.ofMinutes(1));
    assertThat(throttle.begin("frank", "10.0.0.9")).isZero();
  }

  @Test
  void begin_ipv6AddressesOfOneSlash64_countAsOneAddress() {
    for (int i = 0; i < 19; i++) {
      fail("user" + i, "2001:db8:a:b:" + Integer.toHexString(i + 1) + "::" + i);
    }
    assertThat(fail("erin", "[2001:db8:a:b:ffff:ffff:ffff:ffff]"))
        .as("twenty failures from twenty addresses of one /64")
        .isEqualTo(Duration.ofMinutes(1));

    assertThat(throttle.begin("frank", "2001:0db8:000a:000b:0:0:0:1%eth0"))
        .as("another spelling of an address of the same /64")
        .isEqualTo(Duration.ofMinutes(1));
    assertThat(throttle.begin("frank", "2001:db8:a:c::1")).as("the next /64").isZero();
  }

  @Test
  void begin_ipv4MappedIpv6Address_countsAsItsIpv4Address() {
    for (int i = 0; i < 19; i++) {
      fail("user" + i, "::ffff:10.0.0.1");
    }
    assertThat(fail("erin", "10.0.0.1")).isEqualTo(Duration.ofMinutes(1));

    assertThat(throttle.begin("frank", "::ffff:10.0.0.1")).isEqualTo(Duration.ofMinutes(1));
    assertThat(throttle.begin("frank", "::ffff:10.0.0.2"))
        .as("IPv4 addresses count one by one, mapped or not")
        .isZero();
  }

  @Test
  void begin_accountNamesDifferingInCase_countAsOne() {
    for (String name : new String[] {"dave", "Dave", "DAVE", "dAve", "davE"}) {
      fail(name, null);
    }

    assertThat(throttle.begin("dave", null)).isPositive();
  }

  @Test
  void begin_attemptsBeingChecked_countAgainstTheLimit() {
    // Attempts sent at once must not all be heard before the first failure counts.
    for (int i = 0; i < 4; i++) {
      fail("dave", null);
    }
    assertThat(throttle.begin("dave", null)).isZero();

    assertThat(throttle.begin("dave", null)).isEqualTo(Duration.ofSeconds(1));
    throttle.succeeded("dave", null);
    assertThat(throttle.begin("dave", null)).isZero();
  }

  @Test
  void limits_nonsense_refusedNamingTheValues() {
    assertThatThrownBy(
            () ->
                new SignInThrottle.Limits(
                    0, 20, Duration.ofMinutes(1), Duration.ofMinutes(15), Duration.ofMinutes(15)))
        .hasMessageContaining("at least 1, not 0");
    assertThatThrownBy(
            () ->
                new SignInThrottle.Limits(
                    5, 20, Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofMinutes(15)))
        .hasMessageContaining("PT30M");
  }
}
