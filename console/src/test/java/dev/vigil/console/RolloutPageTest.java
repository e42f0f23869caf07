package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionReader;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's rollout page: for each route, what the next mode would refuse of its recent
 * traffic, from the real decision log and the policy in service, writing nothing.
 */
class RolloutPageTest {

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

  /** Logs a request of {@code subject} with {@code role} on {@code route}, in {@code mode}. */
  private Decision request(String route, Mode mode, String subject, String role, String path) {
    Decision d =
        f.pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse(
                "{\"user\":{\"role\":"
                    + Json.quote(role)
                    + "},\"request\":{\"method\":\"GET\",\"path\":"
                    + Json.quote(path)
                    + "}}"),
            Map.of("route", route, "subject", subject),
            f.pdp.evalOptions(),
            mode);
    d.logged().join();
    return d;
  }

  @Test
  void rollout_eachRouteWithWhatItsNextStepWouldRefuse_andNothingLogged() throws Exception {
    // echo runs in observe mode (set in the console): its requests were never asked of a policy.
    f.modes.change("echo", Mode.OBSERVE, "carol");
    request("echo", Mode.OBSERVE, "alice", "sre", "/a");
    request("echo", Mode.OBSERVE, "bob", "dev", "/b");
    // The example shown is the newest of its group.
    Decision bobObserved = request("echo", Mode.OBSERVE, "bob", "dev", "/b");
    // staging is monitored: bob's request is a would-be denial, alice's is allowed.
    request("staging", Mode.MONITOR, "alice", "sre", "/s");
    Decision bobMonitored = request("staging", Mode.MONITOR, "bob", "dev", "/s");
    ConsoleFixture.Browser carol = f.carol();
    long logged = new DecisionReader(f.store).count();

    HttpResponse<String> page = carol.get("/console/rollout");

    assertThat(page.statusCode()).isEqualTo(200);
    String body = page.body();
    assertThat(body)
        .contains("<a href=/console/rollout>Rollout</a>")
        .contains("2 of 3 requests would be refused in monitor mode")
        .contains("2 × GET /b by bob: ")
        .contains("input.user.role == &quot;sre&quot;")
        .contains("/console/decisions/" + bobObserved.decisionId())
        .contains("1 of 2 requests would be refused in enforce mode")
        .contains("1 × GET /s by bob")
        .contains("/console/decisions/" + bobMonitored.decisionId())
        .doesNotContain("GET /a by alice")
        .contains("/console/decisions?route=echo&amp;since=24h");
    // The preview asked the policy in service and logged none of it.
    assertThat(new DecisionReader(f.store).count()).isEqualTo(logged);
  }

  @Test
  void rollout_monitoredRouteWithoutWouldBeDenials_isReadyToEnforce() throws Exception {
    request("staging", Mode.MONITOR, "alice", "sre", "/s");
    request("staging", Mode.MONITOR, "erin", "sre", "/t");

    String body = f.carol().get("/console/rollout?window=1h").body();

    assertThat(body).contains("ready for enforce: no would-be denial in 2 requests");
    assertThat(body).contains("none: enforced");
  }

  @Test
  void rollout_routeWithoutTraffic_saysToWait() throws Exception {
    f.modes.change("echo", Mode.OBSERVE, "carol");

    String body = f.carol().get("/console/rollout?window=7d").body();

    assertThat(body).contains("no traffic in this window: wait for some before moving to monitor");
  }

  @Test
  void rollout_unknownWindow_400NamingIt() throws Exception {
    HttpResponse<String> page = f.carol().get("/console/rollout?window=5m");

    assertThat(page.statusCode()).isEqualTo(400);
    assertThat(page.body()).contains("window &quot;5m&quot; is not one of 1h, 24h, 7d");
  }

  @Test
  void rollout_needsASignedInAdministrator() throws Exception {
    HttpResponse<String> page = f.browser().get("/console/rollout");

    assertThat(page.statusCode()).isEqualTo(303);
  }
}
