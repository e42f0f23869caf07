package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's SVIDs: one per trust domain, renewed at half their lifetime, on a fake clock. */
class GatewaySvidsTest {

  @TempDir Path tmp;

  @Test
  void renewDue_beforeAndAfterHalfLife_renewsOnlyAfter() {
    AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    InstantSource clock = now::get;
    try (Store store = Store.open(StoreLocation.embedded(tmp))) {
      Identities ids =
          new Identities(store, CaKeyCipher.ofKey(new byte[32]), clock, CaConfig.defaults());
      TrustDomain prod = TrustDomain.parse("prod");
      TrustDomain staging = TrustDomain.parse("staging");
      GatewaySvids svids = new GatewaySvids(ids, List.of(prod, staging), clock);
      X509Svid first = svids.held().get(prod);
      assertThat(first.id().toString()).isEqualTo("spiffe://prod/vigil/gateway");
      assertThat(svids.held().get(staging).id().toString())
          .isEqualTo("spiffe://staging/vigil/gateway");
      assertThat(ids.trustDomains()).contains(prod, staging);

      now.set(now.get().plus(Duration.ofMinutes(29)));
      svids.renewDue();
      BigInteger before = svids.held().get(prod).serial();

      now.set(now.get().plus(Duration.ofMinutes(2)));
      svids.renewDue();

      assertThat(before).isEqualTo(first.serial());
      assertThat(svids.held().get(prod).serial()).isNotEqualTo(first.serial());
      assertThat(svids.held().get(prod).expiry()).isAfter(first.expiry());
    }
  }
}
