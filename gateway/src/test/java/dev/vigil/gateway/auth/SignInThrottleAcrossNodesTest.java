package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.SignInFailures;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guesses spread over two nodes sharing a store (two stores opened on one location) count together:
 * before, each node counted its own, and an account could be tried five times on each node behind a
 * load balancer before any lock.
 */
class SignInThrottleAcrossNodesTest {

  @TempDir Path tmp;

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_throttlenodes_");

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T17:00:00Z"));
  private final InstantSource clock = () -> now.get();

  static Stream<String> dialects() {
    return Stream.of("sqlite", "postgresql");
  }

  private StoreLocation location(String dialect) throws Exception {
    return dialect.equals("sqlite") ? StoreLocation.embedded(tmp) : schemas.createLocation();
  }

  private SignInThrottle node(Store store) {
    return new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, SignInFailures.open(store));
  }

  /** One attempt that fails, as LocalAuthenticator makes it; returns the lock it started. */
  private static Duration failOnce(SignInThrottle node, String account, String address) {
    assertThat(node.begin(account, address)).isZero();
    return node.failed(account, address);
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void failures_onTwoNodes_lockTheAccountOnBoth(String dialect) throws Exception {
    StoreLocation where = location(dialect);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      SignInThrottle nodeA = node(a);
      SignInThrottle nodeB = node(b);
      for (int i = 0; i < 2; i++) {
        assertThat(failOnce(nodeA, "dana", "10.0.0." + i)).isZero();
        assertThat(failOnce(nodeB, "Dana", "10.0.1." + i)).isZero();
      }

      Duration lock = failOnce(nodeA, "dana", "10.0.0.9");

      assertThat(lock)
          .as("the fifth failure, three on one node and two on the other")
          .hasSeconds(60);
      assertThat(nodeB.begin("DANA", "10.0.2.1")).as("refused on the other node").hasSeconds(60);
      now.set(now.get().plusSeconds(60));
      assertThat(nodeB.begin("dana", "10.0.2.1")).as("once the lock is over").isZero();
      nodeB.succeeded("dana", "10.0.2.1");
      assertThat(failOnce(nodeA, "dana", "10.0.0.1"))
          .as("a sign-in on the other node cleared the shared count")
          .isZero();
    }
  }

  @ParameterizedTest
  @MethodSource("dialects")
  void failures_fromOneAddress_onTwoNodes_lockTheAddressOnBoth(String dialect) throws Exception {
    StoreLocation where = location(dialect);
    try (Store a = Store.open(where);
        Store b = Store.open(where)) {
      SignInThrottle nodeA = node(a);
      SignInThrottle nodeB = node(b);
      for (int i = 0; i < 19; i++) {
        failOnce(i % 2 == 0 ? nodeA : nodeB, "user" + i, "203.0.113.7");
      }

      assertThat(failOnce(nodeB, "user19", "203.0.113.7")).hasSeconds(60);
      assertThat(nodeA.begin("someone-else", "203.0.113.7")).hasSeconds(60);
      assertThat(nodeA.begin("someone-else", "203.0.113.8")).isZero();
    }
  }

  @Test
  void storeUnavailable_eachNodeStillCountsItsOwn() throws Exception {
    Store store = Store.open(StoreLocation.embedded(tmp));
    SignInThrottle node = node(store);
    store.close();

    for (int i = 0; i < 4; i++) {
      assertThat(failOnce(node, "dana", "10.0.0.1")).isZero();
    }
    assertThat(failOnce(node, "dana", "10.0.0.1")).hasSeconds(60);
    assertThat(node.begin("dana", "10.0.0.1")).hasSeconds(60);
  }
}
