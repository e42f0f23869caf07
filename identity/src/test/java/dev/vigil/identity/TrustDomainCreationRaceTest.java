package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Two nodes started at once on an empty PostgreSQL store both find no trust domain and both make
 * one: exactly one is stored, and both use its roots. Both are held after their lookup until the
 * other has looked up too, so that the race happens every run instead of now and then.
 */
class TrustDomainCreationRaceTest {

  private static final String HEX =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

  private final FakeClock clock = new FakeClock();
  private final CaKeyCipher cipher = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null);
  private final TrustDomain prod = new TrustDomain("prod.example");

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_tdrace_");

  @Test
  void loadOrCreate_twoNodesAtOnceOnAnEmptyStore_oneTrustDomainBothUse() throws Exception {
    TrustDomainCa[] cas = race();
    TrustDomainCa ca1 = cas[0];
    TrustDomainCa ca2 = cas[1];

    assertThat(ca2.active().certificate()).isEqualTo(ca1.active().certificate());
  }

  /**
   * Both nodes logged "trust domain prod created with root …", each with the id of the root it had
   * made, though only one was stored: an operator saw two roots for one trust domain.
   */
  @Test
  void loadOrCreate_twoNodesAtOnce_onlyTheWinnerLogsACreatedRoot() throws Exception {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    Logger identities = (Logger) LoggerFactory.getLogger(Identities.class);
    Logger cas = (Logger) LoggerFactory.getLogger(TrustDomainCa.class);
    logged.start();
    identities.addAppender(logged);
    cas.addAppender(logged);
    try {
      String root = race()[0].active().id();

      List<String> lines = logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertThat(lines.stream().filter(l -> l.contains(" created with root ")))
          .containsExactly("trust domain prod.example created with root " + root + " (ec-p256)");
      assertThat(lines)
          .contains(
              "trust domain prod.example was created by another node; using its root " + root);
    } finally {
      identities.detachAppender(logged);
      cas.detachAppender(logged);
    }
  }

  /** Runs two nodes' creation of {@link #prod} at once and returns the CA each one uses. */
  private TrustDomainCa[] race() throws Exception {
    StoreLocation pg = schemas.createLocation();
    CyclicBarrier bothLookedUp = new CyclicBarrier(2);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try (Store store1 = Store.open(pg);
        Store store2 = Store.open(pg)) {
      Callable<TrustDomainCa> node1 = opener(store1, go, bothLookedUp);
      Callable<TrustDomainCa> node2 = opener(store2, go, bothLookedUp);
      Future<TrustDomainCa> f1 = nodes.submit(node1);
      Future<TrustDomainCa> f2 = nodes.submit(node2);
      go.countDown();

      TrustDomainCa ca1 = f1.get(60, TimeUnit.SECONDS);
      TrustDomainCa ca2 = f2.get(60, TimeUnit.SECONDS);

      assertThat(count(store1, "SELECT count(*) FROM identity_trust_domains")).isEqualTo(1);
      assertThat(count(store1, "SELECT count(*) FROM identity_cas")).isEqualTo(1);
      TrustDomainCa reread =
          new Identities(store2, cipher, clock, CaConfig.defaults()).existing(prod).orElseThrow();
      assertThat(reread.active().certificate()).isEqualTo(ca1.active().certificate());
      return new TrustDomainCa[] {ca1, ca2};
    } finally {
      nodes.shutdownNow();
    }
  }

  private Callable<TrustDomainCa> opener(Store store, CountDownLatch go, CyclicBarrier held) {
    Identities ids = new Identities(store, cipher, clock, CaConfig.defaults());
    return () -> {
      go.await();
      return ids.loadOrCreate(
          prod,
          () -> {
            try {
              held.await(30, TimeUnit.SECONDS);
            } catch (Exception e) {
              throw new IllegalStateException("the other node never looked up", e);
            }
          });
    };
  }

  private static long count(Store store, String sql) throws Exception {
    try (Connection c = store.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
