package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A reloaded file's access.entitlements reach the grants at once. */
class ConfigReloadGrantsTest {

  @TempDir Path tmp;

  private VigilConfig config(String entitlements) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(
        f,
        "users:\n  - username: carol\n    password_hash: '"
            + PasswordHash.hash("pw")
            + "'\naccess:\n  entitlements:\n"
            + entitlements);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  @Test
  void apply_entitlementAddedThenRemoved_requestsFollowAndGrantsStopCounting() throws Exception {
    VigilConfig before = config("    - name: a\n      approvers: [carol]\n");
    VigilConfig after =
        config(
            "    - name: a\n      approvers: [carol]\n"
                + "    - name: b\n      approvers: [carol]\n      max_duration: 2h\n");
    try (Store store = Store.open(StoreLocation.embedded(tmp.resolve("store")));
        Grants grants = Grants.open(store, InstantSource.system(), before.entitlements())) {
      SessionCodec codec =
          new SessionCodec(
              SessionCodec.newKey(),
              Duration.ofMinutes(5),
              Duration.ofHours(1),
              InstantSource.system());
      ConfigReload reload =
          new ConfigReload(
                  before,
                  RouteModes.start(
                      List.of(), new RouteModeOverrides(store), InstantSource.system()),
                  new LocalAuthenticator(before.users(), codec, InstantSource.system()),
                  new ConsoleSignIn(
                      AdminAccounts.open(tmp, "admin"),
                      codec,
                      InstantSource.system(),
                      "admin",
                      List.of()),
                  List.of())
              .withGrants(grants);

      reload.apply(after);
      Grant b = grants.request("alice", "local", "b", "2h", "new entitlement");
      grants.approve(b.id(), "carol", Set.of(), null);
      assertThat(grants.active("alice", "local")).hasSize(1);

      reload.apply(before);
      assertThat(grants.entitlements()).containsOnlyKeys("a");
      assertThat(grants.active("alice", "local")).isEmpty();
    }
  }
}
