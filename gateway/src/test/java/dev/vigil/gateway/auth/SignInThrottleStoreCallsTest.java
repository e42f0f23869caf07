package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.SignInFailures;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: every attempt asked the store for the shared locks before looking at this node's
 * counts, and a failure made a call per key and per lock, so a flood of sign-ins from a locked
 * address (refused unheard, without the cost of a password hash) made one store call each, as fast
 * as they came, and each heard failure three to five. The store, shared by every node, was then
 * what an attacker could wear out.
 */
class SignInThrottleStoreCallsTest {

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T01:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private Store store;
  private SignInFailures failuresA;
  private SignInFailures failuresB;
  private SignInThrottle nodeA;
  private SignInThrottle nodeB;

  @BeforeEach
  void open() {
    store = Store.open(StoreLocation.embedded(tmp));
    failuresA = SignInFailures.open(store);
    failuresB = SignInFailures.open(store);
    nodeA = new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, failuresA);
    nodeB = new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, failuresB);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static Duration failOnce(SignInThrottle node, String account, String address) {
    assertThat(node.begin(account, address)).isZero();
    return node.failed(account, address);
  }

  @Test
  void begin_fromAnAddressLockedHere_asksTheStoreNothing() {
    for (int i = 0; i < 20; i++) {
      failOnce(nodeA, "user" + i, "203.0.113.7");
    }
    long before = failuresA.calls();

    for (int i = 0; i < 1000; i++) {
      assertThat(nodeA.begin("other" + i, "203.0.113.7")).as("attempt %d", i).isPositive();
    }

    assertThat(failuresA.calls() - before).isZero();
  }

  @Test
  void begin_lockedByAnotherNode_asksTheStoreOnceThenHoldsTheLock() {
    for (int i = 0; i < 5; i++) {
      failOnce(nodeA, "dana", "10.0.0." + i);
    }
    long before = failuresB.calls();

    for (int i = 0; i < 100; i++) {
      assertThat(nodeB.begin("dana", "10.0.1." + i)).as("attempt %d", i).hasSeconds(60);
    }

    assertThat(failuresB.calls() - before).as("one read, then the lock held here").isEqualTo(1);
    now.set(now.get().plusSeconds(60));
    assertThat(nodeB.begin("dana", "10.0.2.1")).as("once the lock is over").isZero();
  }

  @Test
  void failed_countsTheAccountAndTheAddressInOneCall_andLocksInOneMore() {
    long before = failuresA.calls();
    failOnce(nodeA, "erin", "10.0.0.1");
    assertThat(failuresA.calls() - before).as("read the locks, count both keys").isEqualTo(2);

    for (int i = 0; i < 3; i++) {
      failOnce(nodeA, "erin", "10.0.0.1");
    }
    before = failuresA.calls();
    assertThat(failOnce(nodeA, "erin", "10.0.0.1")).hasSeconds(60);
    assertThat(failuresA.calls() - before).as("and lock the account").isEqualTo(3);
    assertThat(nodeB.begin("erin", "10.0.9.9")).as("the lock holds on the other node").isPositive();
  }
}
