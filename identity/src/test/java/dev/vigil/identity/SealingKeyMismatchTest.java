package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new trust domain's CA keys are sealed with the same key as the CA keys already in the store.
 * Before, `vigil identity issue --insecure-dev` (or a wrong key file) against a shared store whose
 * CAs were sealed created the new trust domain anyway: its CA private key lay unencrypted in the
 * production database (or sealed with a key no node had), and only the old trust domains failed.
 */
class SealingKeyMismatchTest {

  private static final String KEY_A =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  private static final String KEY_B =
      "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

  private final FakeClock clock = new FakeClock();
  private final TrustDomain prod = new TrustDomain("prod.example");
  private final TrustDomain staging = new TrustDomain("staging.example");

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_sealkey_");

  @Test
  void trustDomain_newOneWithoutEncryptionBesideSealedOnes_refusedAndNothingStored()
      throws Exception {
    try (Store store = Store.open(freshSchema())) {
      new Identities(store, cipher(KEY_A), clock, CaConfig.defaults()).trustDomain(prod);
      Identities insecure =
          new Identities(store, CaKeyCipher.insecurePlaintext(), clock, CaConfig.defaults());

      assertThatThrownBy(() -> insecure.trustDomain(staging))
          .isInstanceOf(CaKeyCipher.KeyRefused.class)
          .hasMessageContaining("prod.example")
          .hasMessageContaining("encrypted");
      assertThat(count(store, "SELECT count(*) FROM identity_trust_domains")).isEqualTo(1);
    }
  }

  @Test
  void trustDomain_newOneSealedWithAnotherKey_refusedAndNothingStored() throws Exception {
    try (Store store = Store.open(freshSchema())) {
      new Identities(store, cipher(KEY_A), clock, CaConfig.defaults()).trustDomain(prod);
      Identities other = new Identities(store, cipher(KEY_B), clock, CaConfig.defaults());

      assertThatThrownBy(() -> other.trustDomain(staging))
          .isInstanceOf(CaKeyCipher.KeyRefused.class)
          .hasMessageContaining("another key sealed it");
      assertThat(count(store, "SELECT count(*) FROM identity_trust_domains")).isEqualTo(1);
    }
  }

  @Test
  void trustDomain_newOneSealedWithTheSameKey_created() throws Exception {
    try (Store store = Store.open(freshSchema())) {
      new Identities(store, cipher(KEY_A), clock, CaConfig.defaults()).trustDomain(prod);

      new Identities(store, cipher(KEY_A), clock, CaConfig.defaults()).trustDomain(staging);

      assertThat(count(store, "SELECT count(*) FROM identity_trust_domains")).isEqualTo(2);
    }
  }

  private static CaKeyCipher cipher(String hex) {
    return CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", hex), null);
  }

  private StoreLocation freshSchema() throws Exception {
    return schemas.createLocation();
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
