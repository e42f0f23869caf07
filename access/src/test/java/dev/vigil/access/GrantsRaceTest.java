package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Grant operations fired at once, from several threads and (on PostgreSQL) from two nodes: each
 * check the operation makes must still hold when its change is stored.
 */
class GrantsRaceTest {

  static final Entitlement DB = GrantsTest.DB;
  static final int THREADS = 8;

  @TempDir Path tmp;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_grants_race_");
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-06T10:00:00Z"));
  final InstantSource clock = () -> now.get();
  final List<AutoCloseable> open = new ArrayList<>();
  ExecutorService pool;

  @AfterEach
  void close() throws Exception {
    if (pool != null) {
      pool.shutdownNow();
      pool.awaitTermination(30, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  /** Opens {@code nodes} grants over one store: on PostgreSQL each with its own connection pool. */
  List<Grants> nodes(String kind, int nodes) throws Exception {
    StoreLocation where =
        kind.equals("sqlite")
            ? StoreLocation.embedded(tmp.resolve("data"))
            : schemas.createLocation();
    List<Grants> out = new ArrayList<>();
    Store shared = null;
    for (int i = 0; i < nodes; i++) {
      Store st = kind.equals("sqlite") && shared != null ? shared : Store.open(where);
      if (shared == null) {
        shared = st;
        open.add(st);
      } else if (st != shared) {
        open.add(st);
      }
      Grants g = Grants.open(st, clock, List.of(DB));
      open.add(g);
      out.add(g);
    }
    return out;
  }

  /**
   * Runs the tasks on {@value #THREADS} threads, released together, and returns what each returned
   * or the refusal it threw.
   */
  <T> List<Object> atOnce(List<Callable<T>> tasks) throws Exception {
    pool = Executors.newFixedThreadPool(THREADS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Object>> futures = new ArrayList<>();
    for (Callable<T> t : tasks) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                try {
                  return t.call();
                } catch (GrantException e) {
                  return e;
                }
              }));
    }
    go.countDown();
    List<Object> out = new ArrayList<>();
    for (Future<Object> f : futures) {
      out.add(f.get(60, TimeUnit.SECONDS));
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void request_manyAtOnce_neverMoreThanTheLimitWaiting(String kind) throws Exception {
    // Regression: the count of waiting requests was read apart from the insert, so requests sent
    // at once all saw 19 and all went in.
    List<Grants> nodes = nodes(kind, kind.equals("sqlite") ? 1 : 2);
    Grants first = nodes.get(0);
    for (int i = 0; i < Grants.MAX_PENDING - 4; i++) {
      first.request("alice", "local", "prod-db-admin", "1h", "r" + i);
    }
    List<Callable<Grant>> tasks = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Grants g = nodes.get(i % nodes.size());
      String why = "burst " + i;
      tasks.add(() -> g.request("alice", "local", "prod-db-admin", "1h", why));
    }

    List<Object> results = atOnce(tasks);

    assertThat(results).filteredOn(Grant.class::isInstance).hasSize(4);
    assertThat(results)
        .filteredOn(GrantException.class::isInstance)
        .hasSize(36)
        .allSatisfy(e -> assertThat(((GrantException) e).code()).isEqualTo("conflict"));
    assertThat(first.of("alice", "local"))
        .filteredOn(g -> g.state() == Grant.State.PENDING)
        .hasSize(Grants.MAX_PENDING);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void breakGlass_manyAtOnceOnTwoNodes_oneTaken(String kind) throws Exception {
    // Regression: nothing stopped a person holding several break-glass grants of one entitlement
    // at once; checked apart from the insert, break-glass taken at once would all pass.
    List<Grants> nodes = nodes(kind, kind.equals("sqlite") ? 1 : 2);
    List<Callable<Grant>> tasks = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Grants g = nodes.get(i % nodes.size());
      String why = "outage " + i;
      tasks.add(() -> g.breakGlass("alice", "local", "prod-db-admin", null, why));
    }

    List<Object> results = atOnce(tasks);

    assertThat(results).filteredOn(Grant.class::isInstance).hasSize(1);
    assertThat(results)
        .filteredOn(GrantException.class::isInstance)
        .hasSize(15)
        .allSatisfy(e -> assertThat(((GrantException) e).code()).isEqualTo("conflict"));
    assertThat(nodes.get(0).of("alice", "local")).hasSize(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void decide_approveDenyAndSecondApproverAtOnce_exactlyOneWinsWithOneEvent(String kind)
      throws Exception {
    List<Grants> nodes = nodes(kind, kind.equals("sqlite") ? 1 : 2);
    Grants a = nodes.get(0);
    Grants b = nodes.get(nodes.size() - 1);
    List<String> ids = new ArrayList<>();
    List<Callable<Grant>> tasks = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String id = a.request("alice", "local", "prod-db-admin", "1h", "r" + i).id();
      ids.add(id);
      tasks.add(() -> a.approve(id, "carol", Set.of(), "yes"));
      tasks.add(() -> b.approve(id, "dave", Set.of("dba"), "yes too"));
      tasks.add(() -> b.deny(id, "erin", Set.of("dba"), "no"));
    }

    List<Object> results = atOnce(tasks);

    assertThat(results).filteredOn(Grant.class::isInstance).hasSize(ids.size());
    assertThat(results)
        .filteredOn(GrantException.class::isInstance)
        .hasSize(2 * ids.size())
        .allSatisfy(e -> assertThat(((GrantException) e).code()).isEqualTo("conflict"));
    for (String id : ids) {
      List<String> actions = a.events(id).stream().map(GrantEvent::action).toList();
      assertThat(actions).hasSize(2).startsWith("requested");
      Grant g = a.get(id).orElseThrow();
      assertThat(actions.get(1)).isEqualTo(g.state() == Grant.State.DENIED ? "denied" : "approved");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgresql"})
  void end_revokeOnTwoNodesAndSweepAtOnce_oneEndWithOneEvent(String kind) throws Exception {
    List<Grants> nodes = nodes(kind, kind.equals("sqlite") ? 1 : 2);
    Grants a = nodes.get(0);
    Grants b = nodes.get(nodes.size() - 1);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String id = a.request("alice", "local", "prod-db-admin", "10m", "r" + i).id();
      a.approve(id, "carol", Set.of(), null);
      ids.add(id);
    }
    // Each grant expires at the instant the sweep and the revocations run.
    now.set(now.get().plus(Duration.ofMinutes(10)).minusMillis(1));
    List<Callable<Object>> tasks = new ArrayList<>();
    for (String id : ids) {
      tasks.add(() -> a.revoke(id, "admin", "done"));
      tasks.add(() -> b.revoke(id, "admin2", "done too"));
    }
    tasks.add(
        () -> {
          now.set(now.get().plusMillis(1));
          a.refresh();
          b.refresh();
          return "swept";
        });

    atOnce(tasks);
    now.set(now.get().plus(Duration.ofSeconds(1)));
    a.refresh();

    for (String id : ids) {
      List<String> ends =
          a.events(id).stream()
              .map(GrantEvent::action)
              .filter(x -> x.equals("revoked") || x.equals("expired"))
              .toList();
      assertThat(ends).as(id).hasSize(1);
      Grant g = a.get(id).orElseThrow();
      assertThat(g.state().wireName()).isEqualTo(ends.get(0));
    }
  }

  @Test
  void postgresql_breakGlassStoredWhileBreakGlassIsTurnedOff_endedByTheChange() throws Exception {
    // Regression: break-glass checked the entitlement, then stored the grant; a configuration
    // change that turned break-glass off in between cut the grants it found, not this one.
    Grants g = nodes("postgresql", 1).get(0);
    Entitlement off =
        new Entitlement(
            DB.name(), DB.approvers(), DB.maxDuration(), false, DB.breakGlassMaxDuration());

    Grant made =
        whileTheStoreWaits(
            g, () -> g.breakGlass("alice", "local", DB.name(), "10m", "db down"), List.of(off));

    Grant stored = g.get(made.id()).orElseThrow();
    assertThat(stored.state()).isEqualTo(Grant.State.REVOKED);
    assertThat(g.events(made.id()))
        .extracting(GrantEvent::action, GrantEvent::actor)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("break_glass", "alice"),
            org.assertj.core.groups.Tuple.tuple("revoked", "vigil"));
    assertThat(g.active("alice", "local")).isEmpty();
  }

  @Test
  void postgresql_approvalStoredWhileTheCapIsLowered_shortenedByTheChange() throws Exception {
    // Regression: approve read max_duration, then stored the end; a lower cap put in force in
    // between cut the grants active before, not this one.
    Grants g = nodes("postgresql", 1).get(0);
    Grant asked = g.request("alice", "local", DB.name(), "1h", "maintenance");
    Entitlement lower =
        new Entitlement(
            DB.name(), DB.approvers(), Duration.ofMinutes(20), true, DB.breakGlassMaxDuration());

    Grant made =
        whileTheStoreWaits(g, () -> g.approve(asked.id(), "carol", Set.of(), null), List.of(lower));

    assertThat(made.expiresAt()).isEqualTo(now.get().plus(Duration.ofHours(1)));
    assertThat(g.get(asked.id()).orElseThrow().expiresAt())
        .isEqualTo(now.get().plus(Duration.ofMinutes(20)));
    assertThat(g.active("alice", "local"))
        .singleElement()
        .extracting(Grant::expiresAt)
        .isEqualTo(now.get().plus(Duration.ofMinutes(20)));
  }

  /**
   * Runs {@code op} while a test transaction holds the grants table against writes, puts {@code
   * next} in force while {@code op} waits for the store, then lets both finish; returns what {@code
   * op} returned.
   */
  <T> T whileTheStoreWaits(Grants g, Callable<T> op, List<Entitlement> next) throws Exception {
    Store st = (Store) open.get(0);
    pool = Executors.newFixedThreadPool(2);
    try (Connection hold = st.dataSource().getConnection()) {
      hold.setAutoCommit(false);
      try (Statement s = hold.createStatement()) {
        s.execute("LOCK TABLE grants IN EXCLUSIVE MODE");
      }
      Future<T> done = pool.submit(op);
      awaitBlockedOnALock(st);
      AtomicReference<Thread> configuring = new AtomicReference<>();
      Future<?> change =
          pool.submit(
              () -> {
                configuring.set(Thread.currentThread());
                g.configure(next, Holders.ANYONE);
                return null;
              });
      // Until the change is done, or waits for op (it cannot finish before op then).
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (!change.isDone()
          && (configuring.get() == null || configuring.get().getState() == Thread.State.RUNNABLE)
          && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      hold.commit();
      T out = done.get(30, TimeUnit.SECONDS);
      change.get(30, TimeUnit.SECONDS);
      return out;
    }
  }

  /** Waits until some connection of the store's database waits on a lock. */
  static void awaitBlockedOnALock(Store st) throws Exception {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try (Connection c = st.dataSource().getConnection();
        Statement s = c.createStatement()) {
      while (System.nanoTime() < until) {
        try (ResultSet rs =
            s.executeQuery(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    + " AND datname = current_database()")) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        Thread.sleep(10);
      }
    }
    throw new AssertionError("nothing waited on the lock");
  }
}
