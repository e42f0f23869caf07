package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regressions: a signed-out session cookie opened again after the node restarted (the sign-out was
 * held in memory only), and another node of the same PostgreSQL store (the real one at
 * 127.0.0.1:5432, a fresh schema per test) with the same session key never refused it.
 */
class SessionSignOutBetweenNodesTest {

  private static final Duration IDLE = Duration.ofMinutes(30);
  private static final Duration ABSOLUTE = Duration.ofHours(8);
  private static final Duration BOUND = Duration.ofSeconds(20);

  private static final String PG = "jdbc:postgresql://127.0.0.1:5432/test";

  @TempDir Path tmp;

  private final byte[] key = SessionCodec.newKey();
  private final InstantSource clock = InstantSource.system();
  private final LocalUser bob =
      new LocalUser("bob", "bob@example.com", List.of("dev"), List.of("eng"), "x", null);

  private SessionCodec codec(SessionSignOuts signOuts) {
    return new SessionCodec(key, IDLE, ABSOLUTE, clock, signOuts);
  }

  private SessionSignOuts signOuts(Store store) {
    return SessionSignOuts.open(store, "gateway", ABSOLUTE, clock);
  }

  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  @Test
  void signOut_thenRestartOverTheSameStore_cookieStaysRefused() throws Exception {
    StoreLocation where = StoreLocation.embedded(tmp);
    String cookie;
    try (Store store = Store.open(where);
        SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec before = codec(signOuts);
      Session s = before.start(bob, List.of("pwd"));
      cookie = before.seal(s);
      assertThat(before.signOut(s).get(10, TimeUnit.SECONDS)).isTrue();
    }

    try (Store store = Store.open(where);
        SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec after = codec(signOuts);

      assertThat(after.open(cookie)).as("signed-out cookie after a restart").isNull();
      assertThat(after.open(after.seal(after.start(bob, List.of("pwd"))))).isNotNull();
    }
  }

  @Test
  void signOut_onOneNode_refusedOnAnotherNodeOfTheStore() throws Exception {
    StoreLocation pg = freshPostgres();
    try (Store store1 = Store.open(pg);
        Store store2 = Store.open(pg);
        SessionSignOuts signOuts1 = signOuts(store1);
        SessionSignOuts signOuts2 = signOuts(store2)) {
      SessionCodec node1 = codec(signOuts1);
      SessionCodec node2 = codec(signOuts2);
      Session s = node1.start(bob, List.of("pwd"));
      String cookie = node1.seal(s);
      assertThat(node2.open(cookie))
          .as("one session key: node 2 opens node 1's cookie")
          .isNotNull();

      node1.signOut(s).get(10, TimeUnit.SECONDS);

      assertThat(eventually(() -> node2.open(cookie) == null)).as("refused on node 2").isTrue();
      assertThat(node1.open(cookie)).isNull();
    }
  }

  @Test
  void signOut_storeUnwritable_refusedHereAllTheSame() throws Exception {
    Store store = Store.open(StoreLocation.embedded(tmp));
    try (SessionSignOuts signOuts = signOuts(store)) {
      SessionCodec codec = codec(signOuts);
      Session s = codec.start(bob, List.of("pwd"));
      String cookie = codec.seal(s);
      store.close();

      assertThat(codec.signOut(s).get(30, TimeUnit.SECONDS)).as("stored").isFalse();
      assertThat(codec.open(cookie)).isNull();
    }
  }

  /** This test's own schema, by its fresh name; dropped when the test ends. */
  private String schema;

  private StoreLocation freshPostgres() throws Exception {
    schema = "vigil_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return StoreLocation.parse("postgresql://127.0.0.1:5432/test?currentSchema=" + schema);
  }

  /** Tests left their schema behind, one more for every run. */
  @AfterEach
  void dropOwnSchema() throws Exception {
    if (schema == null) {
      return;
    }
    try (Connection c = DriverManager.getConnection(PG);
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }
}
