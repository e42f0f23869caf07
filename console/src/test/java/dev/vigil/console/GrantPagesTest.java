package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.Grant;
import dev.vigil.access.GrantEvent;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Json;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console's access page: grants listed, revoked and reviewed through CSRF-checked forms. */
class GrantPagesTest {

  @TempDir Path tmp;
  private ConsoleFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ConsoleFixture(tmp);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void access_listsPendingActiveAndUnreviewed_revokeAndReviewRecordedWithTheAdmin()
      throws Exception {
    Grant pending = f.grants.request("alice", "local", "prod-db-admin", "30m", "look at <b>x</b>");
    Grant asked = f.grants.request("alice", "local", "prod-db-admin", "30m", "INC-9");
    // The same user id from an OpenID Connect provider is another person: the page says whose.
    f.grants.request("alice", "corp-sso", "prod-db-admin", "30m", "INC-10");
    f.grants.approve(asked.id(), "bob", Set.of(), null);
    Grant glass = f.grants.breakGlass("dave", "local", "prod-db-admin", "10m", "outage");
    ConsoleFixture.Browser carol = f.carol();

    HttpResponse<String> page = carol.get("/console/access");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains(pending.id(), asked.id(), glass.id())
        .contains("alice (local)", "alice (corp-sso)")
        .contains("look at &lt;b&gt;x&lt;/b&gt;")
        .doesNotContain("<b>x</b>")
        .contains("break-glass");

    HttpResponse<String> revoked =
        carol.post(
            "/console/access/" + asked.id() + "/revoke",
            "csrf",
            carol.lastCsrf,
            "reason",
            "done early");
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(f.grants.active("alice", "local")).isEmpty();

    Grant own = f.grants.breakGlass("carol", "local", "prod-db-admin", "10m", "my outage");
    HttpResponse<String> selfReviewed =
        carol.post(
            "/console/access/" + own.id() + "/review", "csrf", carol.lastCsrf, "reason", "fine");
    assertThat(selfReviewed.statusCode()).isEqualTo(403);
    assertThat(selfReviewed.body()).contains("another administrator must review it");
    assertThat(f.grants.unreviewed()).extracting(Grant::id).contains(own.id());
    f.grants.review(own.id(), "dave", "seen");

    HttpResponse<String> reviewed =
        carol.post(
            "/console/access/" + glass.id() + "/review", "csrf", carol.lastCsrf, "reason", "ok");
    assertThat(reviewed.statusCode()).isEqualTo(200);
    assertThat(f.grants.unreviewed()).isEmpty();
    assertThat(f.grants.events(glass.id()))
        .extracting(GrantEvent::action, GrantEvent::actor)
        .contains(org.assertj.core.groups.Tuple.tuple("reviewed", "carol"));
    assertThat(f.grants.events(asked.id()))
        .extracting(GrantEvent::action, GrantEvent::actor, GrantEvent::reason)
        .contains(org.assertj.core.groups.Tuple.tuple("revoked", "carol", "done early"));

    HttpResponse<String> trail = carol.get("/console/access/" + asked.id());
    assertThat(trail.body()).contains("requested").contains("approved").contains("revoked");
  }

  @Test
  void grantPage_listsTheRequestsItsHolderMadeWithIt() throws Exception {
    Grant asked = f.grants.request("alice", "local", "prod-db-admin", "30m", "INC-9");
    f.grants.approve(asked.id(), "bob", Set.of(), null);
    Grant never = f.grants.request("alice", "local", "prod-db-admin", "30m", "INC-10");
    String input =
        "{\"subject\":{\"type\":\"user\",\"id\":\"alice\",\"idp\":\"local\"},"
            + "\"request\":{\"method\":\"DELETE\",\"host\":\"db.example\","
            + "\"path\":\"/tables/<t>\"},\"grants\":[{\"id\":"
            + Json.quote(asked.id())
            + "}]}";
    Decision d =
        f.pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse(input),
            Map.of("route", "db-admin", "subject", "alice"),
            f.pdp.evalOptions(),
            Mode.ENFORCE);
    d.logged().join();
    ConsoleFixture.Browser carol = f.carol();

    HttpResponse<String> used = carol.get("/console/access/" + asked.id());
    HttpResponse<String> unused = carol.get("/console/access/" + never.id());

    assertThat(used.statusCode()).isEqualTo(200);
    assertThat(used.body())
        .contains("Requests made with this grant")
        .contains("db.example/tables/&lt;t&gt;")
        .contains("DELETE", "db-admin", "deny")
        .contains("href=\"/console/decisions/" + d.decisionId() + "\"");
    assertThat(unused.body()).contains("None: the grant never counted.");
  }

  @Test
  void revoke_withoutCsrfOrReason_refusedAndGrantStands() throws Exception {
    Grant asked = f.grants.request("alice", "local", "prod-db-admin", "30m", "INC-9");
    // The same user id from an OpenID Connect provider is another person: the page says whose.
    f.grants.request("alice", "corp-sso", "prod-db-admin", "30m", "INC-10");
    f.grants.approve(asked.id(), "bob", Set.of(), null);
    ConsoleFixture.Browser carol = f.carol();
    carol.get("/console/access");

    HttpResponse<String> noCsrf =
        carol.post("/console/access/" + asked.id() + "/revoke", "reason", "x");
    HttpResponse<String> noReason =
        carol.post("/console/access/" + asked.id() + "/revoke", "csrf", carol.lastCsrf);

    assertThat(noCsrf.statusCode()).isEqualTo(403);
    assertThat(noReason.statusCode()).isEqualTo(400);
    assertThat(noReason.body()).contains("reason is required");
    assertThat(f.grants.active("alice", "local")).hasSize(1);
  }
}
