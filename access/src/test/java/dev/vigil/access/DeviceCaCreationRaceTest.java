package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.CaKeyCipher;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes started at once on an empty PostgreSQL store both find no device CA and both make one:
 * exactly one is stored, and both use it. Both are held after their lookup until the other has
 * looked up too, so that the race happens every run instead of now and then.
 */
class DeviceCaCreationRaceTest {

  private final CaKeyCipher cipher = CaKeyCipher.ofKey(new byte[32]);
  private final Instant now = Instant.parse("2026-12-05T09:00:00Z");

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_carace_");

  @Test
  void loadOrCreate_twoNodesAtOnceOnAnEmptyStore_oneCaBothUse() throws Exception {
    StoreLocation pg = schemas.createLocation();
    CyclicBarrier bothLookedUp = new CyclicBarrier(2);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    try (Store store1 = Store.open(pg);
        Store store2 = Store.open(pg)) {
      Future<DeviceCa> f1 = nodes.submit(opener(store1, go, bothLookedUp));
      Future<DeviceCa> f2 = nodes.submit(opener(store2, go, bothLookedUp));
      go.countDown();

      DeviceCa ca1 = f1.get(60, TimeUnit.SECONDS);
      DeviceCa ca2 = f2.get(60, TimeUnit.SECONDS);

      assertThat(count(store1, "SELECT count(*) FROM device_cas")).isEqualTo(1);
      assertThat(ca2.certificate()).isEqualTo(ca1.certificate());
      try (Devices later = Devices.open(store2, cipher, () -> now, Devices.Options.defaults())) {
        assertThat(later.caCertificate()).isEqualTo(ca1.certificate());
      }
    } finally {
      nodes.shutdownNow();
    }
  }

  private Callable<DeviceCa> opener(Store store, CountDownLatch go, CyclicBarrier held) {
    DeviceStore devices = new DeviceStore(store);
    return () -> {
      go.await();
      return DeviceCa.loadOrCreate(
          devices,
          cipher,
          now,
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
