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

  @Test
  void apply_entitlementAddedThenRemoved_requestsFollowAndGrantsStopCounting() throws Exception {
    VigilConfig before =
        config(List.of("carol", "alice"), "    - name: a\n      approvers: [carol]\n");
    VigilConfig after =
        config(
            List.of("carol", "alice"),
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

  private VigilConfig config(List<String> users, String entitlement) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    StringBuilder y = new StringBuilder("users:\n");
    for (String u : users) {
      y.append("  - username: ").append(u).append("\n    password_hash: '");
      y.append(PasswordHash.hash("pw")).append("'\n");
    }
    Files.writeString(f, y + "access:\n  entitlements:\n" + entitlement);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  @Test
  void apply_holderRemovedBreakGlassOffCapLowered_activeGrantsCutAtOnce() throws Exception {
    // Regression: a reload left every grant already active as it was, break-glass included.
    String db = "    - name: db\n      approvers: [carol]\n      max_duration: 2h\n";
    VigilConfig before =
        config(
            List.of("carol", "alice", "bob", "dan"),
            db + "      break_glass: true\n      break_glass_max_duration: 30m\n");
    VigilConfig after = config(List.of("carol", "bob", "dan"), db.replace("2h", "1h"));
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
      reload.apply(before);
      Grant alices = grants.request("alice", "local", "db", "2h", "migration");
      alices = grants.approve(alices.id(), "carol", Set.of(), null);
      Grant dans = grants.request("dan", "local", "db", "2h", "migration");
      dans = grants.approve(dans.id(), "carol", Set.of(), null);
      Grant bobs = grants.breakGlass("bob", "local", "db", null, "outage");

      reload.apply(after);

      assertThat(grants.active("alice", "local")).isEmpty();
      assertThat(grants.active("bob", "local")).isEmpty();
      assertThat(grants.get(alices.id()).orElseThrow().state()).isEqualTo(Grant.State.REVOKED);
      assertThat(grants.events(bobs.id()).getLast().reason())
          .isEqualTo("config_changed: entitlement \"db\" no longer allows break-glass");
      assertThat(grants.active("dan", "local"))
          .singleElement()
          .extracting(Grant::expiresAt)
          .isEqualTo(dans.startsAt().plus(Duration.ofHours(1)));
    }
  }
}
