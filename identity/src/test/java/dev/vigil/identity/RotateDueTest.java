package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The workload agent's tick rotates every trust domain of the store. Before, one trust domain that
 * could not be loaded (a CA key stored unencrypted by `--insecure-dev`, or damaged) threw out of
 * the loop at every tick on every node: the trust domains after it were never rotated, and the rest
 * of the tick (entries, revocations, the agent's own SVID) never ran.
 */
class RotateDueTest {

  private static final String KEY =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

  private final FakeClock clock = new FakeClock();
  private final CaKeyCipher cipher = CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", KEY), null);
  private final CaConfig sixHours =
      CaConfig.defaults()
          .withLifetimes(Duration.ofHours(6), Duration.ofHours(1), Duration.ofMinutes(5));
  private final TrustDomain broken = new TrustDomain("a-broken.example");
  private final TrustDomain prod = new TrustDomain("b-prod.example");

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_rotdue_");

  @Test
  void rotateDue_oneTrustDomainUnreadable_theOthersStillRotate() throws Exception {
    StoreLocation pg = schemas.createLocation();
    try (Store store = Store.open(pg)) {
      Identities first = new Identities(store, cipher, clock, sixHours);
      first.trustDomain(broken);
      first.trustDomain(prod);
      try (Connection c = DriverManager.getConnection(pg.jdbcUrl());
          Statement s = c.createStatement()) {
        s.executeUpdate(
            "UPDATE identity_cas SET private_key_sealed = 'v1:AAAA' WHERE trust_domain = '"
                + broken.name()
                + "'");
      }
      Identities node = new Identities(store, cipher, clock, sixHours);
      clock.step(Duration.ofHours(3));

      Map<TrustDomain, List<String>> steps = node.rotateDue();

      assertThat(steps).containsOnlyKeys(prod);
      assertThat(steps.get(prod)).containsExactly("prepare");
      assertThat(node.trustDomain(prod).authorities()).hasSize(2);
    }
  }
}
