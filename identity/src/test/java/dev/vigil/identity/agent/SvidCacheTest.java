package dev.vigil.identity.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.X509Svid;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation of the agent's SVIDs at half their lifetime (with jitter), on a stepped clock. */
class SvidCacheTest {

  @TempDir Path dir;

  private static final class SteppedClock implements InstantSource {
    volatile Instant now = Instant.parse("2026-06-01T12:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void x509_beforeAndAfterHalfLife_keepsThenRenews() {
    SteppedClock clock = new SteppedClock();
    try (Store st = Store.open(StoreLocation.embedded(dir))) {
      Identities ids =
          new Identities(
              st,
              CaKeyCipher.ofKey(new byte[32]),
              clock,
              CaConfig.defaults()
                  .withLifetimes(
                      Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofSeconds(30)));
      RegistrationEntry e =
          ids.createEntry(
              SpiffeId.parse("spiffe://prod.example/web"),
              List.of(Selector.parse("label:web")),
              null,
              List.of());
      SvidCache cache = new SvidCache(ids, clock);
      X509Svid first = cache.x509(e);
      assertThat(first.expiry()).isEqualTo(clock.now.plusSeconds(30));
      clock.now = clock.now.plusSeconds(12); // before 15 s less at most 3 s of jitter
      assertThat(cache.x509(e).serial()).isEqualTo(first.serial());
      clock.now = clock.now.plusSeconds(3); // exactly half its life
      X509Svid second = cache.x509(e);
      assertThat(second.serial()).isNotEqualTo(first.serial());
      ids.deleteEntry(e.id());
      cache.refresh();
      assertThat(cache.entries()).isEmpty();
    }
  }
}
