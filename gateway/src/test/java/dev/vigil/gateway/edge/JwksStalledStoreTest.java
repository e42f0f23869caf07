package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.nimbusds.jose.jwk.JWKSet;
import dev.vigil.store.AssertionKeys;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.StallingRelay;
import dev.vigil.testkit.TestSchemas;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Regression: the JWKS of a node whose PostgreSQL store stopped answering took 10 s or more per
 * request (each one read the store again, one after the other), so apps fetching the keys from it
 * timed out. It now waits a few seconds once, then serves the keys of its last read at once while
 * the store stays silent, as the docs promise for a store that cannot be read.
 */
class JwksStalledStoreTest {

  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_jwksstall_");

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-05T17:00:00Z"));

  @Test
  void jwks_storeStalled_answersWithinSeconds_withTheKeysLastRead() throws Exception {
    String schema = schemas.create();
    try (StallingRelay relay = StallingRelay.start();
        Store store = Store.open(StoreLocation.parse(relay.url(schema)));
        Store direct = Store.open(StoreLocation.parse(TestSchemas.url(schema)));
        IdentityAssertion other =
            IdentityAssertion.shared(
                "vigil", Duration.ofSeconds(60), now::get, new AssertionKeys(direct), "other");
        IdentityAssertion node =
            IdentityAssertion.shared(
                "vigil", Duration.ofSeconds(60), now::get, new AssertionKeys(store), "node")) {
      other.publish();
      node.publish();
      assertThat(kids(node.jwks())).hasSize(2);

      relay.stall();
      // Past the cache of the keys read: each JWKS request would read the store again.
      now.set(now.get().plusSeconds(10));

      String first = assertTimeoutPreemptively(Duration.ofSeconds(6), node::jwks);
      assertThat(kids(first)).as("the keys of the last read, the other node's too").hasSize(2);
      for (int i = 0; i < 3; i++) {
        now.set(now.get().plusSeconds(3));
        String next = assertTimeoutPreemptively(Duration.ofSeconds(1), node::jwks);
        assertThat(kids(next)).hasSize(2);
      }
      relay.resume();
    }
  }

  private static List<String> kids(String jwks) throws Exception {
    return JWKSet.parse(jwks).getKeys().stream().map(k -> k.getKeyID()).toList();
  }
}
