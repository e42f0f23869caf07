package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.Entitlement;
import dev.vigil.access.Grant;
import dev.vigil.access.Grants;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.BundleReader;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vigil access list} and {@code trail} read the grants a node stored. */
class AccessCommandTest {

  @TempDir Path tmp;

  /** The grants of {@code st}, with one entitlement carol approves and break-glass may take. */
  private static Grants grants(Store st) {
    return Grants.open(
        st,
        InstantSource.system(),
        List.of(
            new Entitlement(
                "prod-db-admin",
                List.of("carol"),
                Duration.ofHours(1),
                true,
                Duration.ofMinutes(30))));
  }

  @Test
  void listAndTrail_showWhatWasStored_unknownGrantExits1() {
    Path data = tmp.resolve("data");
    String approved;
    String glass;
    try (Store st = Store.open(StoreLocation.embedded(data));
        Grants g = grants(st)) {
      Grant a = g.request("alice", "local", "prod-db-admin", "30m", "INC-7 reindex");
      g.approve(a.id(), "carol", Set.of(), "ok");
      g.request("bob", "local", "prod-db-admin", "10m", "waiting");
      glass = g.breakGlass("dave", "local", "prod-db-admin", "5m", "outage").id();
      approved = a.id();
    }

    CliRun list = CliRun.of("access", "list", "--data-dir", data.toString());
    CliRun trail = CliRun.of("access", "trail", approved, "--data-dir", data.toString());
    CliRun none = CliRun.of("access", "trail", "gr-nope", "--data-dir", data.toString());

    assertThat(list.status()).isZero();
    assertThat(list.out())
        .contains(approved, glass, "waiting", "INC-7 reindex")
        .contains("break-glass, not reviewed:");
    assertThat(trail.status()).isZero();
    assertThat(trail.out())
        .contains("alice holds prod-db-admin, active")
        .contains("requested    by alice: INC-7 reindex")
        .contains("approved     by carol: ok");
    assertThat(none.status()).isEqualTo(1);
    assertThat(none.err()).contains("no grant gr-nope");
  }

  @Test
  void trail_listsTheRequestsTheHolderMadeWithTheGrant() throws Exception {
    Path data = tmp.resolve("data");
    String id;
    String with;
    String without;
    try (Store st = Store.open(StoreLocation.embedded(data));
        Grants g = grants(st)) {
      Grant a = g.request("alice", "local", "prod-db-admin", "30m", "INC-7 reindex");
      g.approve(a.id(), "carol", Set.of(), "ok");
      id = a.id();
      DecisionPoint pdp =
          new DecisionPoint(
              DecisionPoint.Options.defaults()
                  .withDecisionLog(new DecisionLog(st, DecisionLog.Options.defaults())));
      pdp.activate(
          BundleReader.fromFiles(
              "db",
              Map.of(
                  "db.rego",
                  "package db\nallow := count(input.grants) > 0\n"
                      .getBytes(StandardCharsets.UTF_8))));
      String request =
          "{\"subject\":{\"type\":\"user\",\"id\":\"alice\",\"idp\":\"local\"},"
              + "\"request\":{\"method\":\"POST\",\"host\":\"db.example\","
              + "\"path\":\"/reindex\"},\"grants\":%s}";
      Decision used =
          pdp.decide(
              "db/allow",
              Json.parse(request.formatted("[{\"id\":" + Json.quote(id) + "}]")),
              Map.of("subject", "alice", "route", "db-admin"));
      Decision plain =
          pdp.decide(
              "db/allow",
              Json.parse(request.formatted("[]")),
              Map.of("subject", "alice", "route", "db-admin"));
      used.logged().get(10, TimeUnit.SECONDS);
      plain.logged().get(10, TimeUnit.SECONDS);
      pdp.close();
      with = used.decisionId();
      without = plain.decisionId();
    }

    CliRun trail = CliRun.of("access", "trail", id, "--data-dir", data.toString());

    assertThat(trail.status()).isZero();
    assertThat(trail.out())
        .contains("requests made with it: 1")
        .contains("allow POST db.example/reindex  route=db-admin decision=" + with)
        .doesNotContain(without);
  }

  /**
   * Regression: a grant's subject is a provider's {@code sub}, any string, and list and trail
   * printed it raw: a subject carrying terminal escapes acted on the administrator's screen.
   */
  @Test
  void listAndTrail_subjectWithControlCharacters_printedAsQuestionMarks() {
    Path data = tmp.resolve("data");
    String id;
    try (Store st = Store.open(StoreLocation.embedded(data));
        Grants g = grants(st)) {
      id = g.breakGlass("eve\u001b]0;x\u0007", "corp", "prod-db-admin", "5m", "outage").id();
    }

    CliRun list = CliRun.of("access", "list", "--data-dir", data.toString());
    CliRun trail = CliRun.of("access", "trail", id, "--data-dir", data.toString());

    assertThat(list.status()).isZero();
    assertThat(list.out()).contains("eve?]0;x?").doesNotContain("\u001b").doesNotContain("\u0007");
    assertThat(trail.status()).isZero();
    assertThat(trail.out())
        .contains("eve?]0;x? holds prod-db-admin")
        .contains("break_glass  by eve?]0;x?")
        .doesNotContain("\u001b");
  }
}
