package dev.vigil.insight;

import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Masking;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real decisions, made by a decision point with a durable log and the live policy below, for the
 * replay tests; each is waited on until its event is stored.
 */
final class RecordedTraffic {

  static final PolicyPath PATH = PolicyPath.parse("authz/allow");

  /** The policy in service: SREs and ops anything, developers reads. */
  static final String LIVE =
      """
      package authz

      default allow := false

      allow if input.user.role == "sre"

      allow if input.user.role == "ops"

      allow if {
        input.user.role == "dev"
        input.request.method == "GET"
      }
      """;

  /**
   * The candidate: developers no longer read /r, auditors read everything, and the ops rule fails
   * with a conflict (an evaluation error). Reads no masked field.
   */
  static final String CANDIDATE =
      """
      package authz

      default allow := false

      # The token (input.user.token) is masked in the log; this policy does not read it.
      allow if input.user.role == "sre"

      allow if {
        input.user.role == "auditor"
        input.request.method == "GET"
      }

      allow if {
        input.user.role == "dev"
        input.request.method == "GET"
        input.request.path != "/r"
      }

      allow if team == "ops"

      team := "ops" if input.user.role == "ops"

      team := "oops" if input.user.role == "ops"
      """;

  /** Ids of the recorded decisions, by name. */
  final Map<String, String> ids = new LinkedHashMap<>();

  /** Records the eight decisions of the tests in {@code store}. */
  static RecordedTraffic record(Store store) throws Exception {
    RecordedTraffic t = new RecordedTraffic();
    DecisionLog log = new DecisionLog(store, DecisionLog.Options.defaults());
    try (DecisionPoint pdp =
        new DecisionPoint(
            DecisionPoint.Options.defaults()
                .withMasking(new Masking(List.of(), List.of("input.user.token")))
                .withDecisionLog(log))) {
      pdp.putPolicy("authz.rego", LIVE);
      t.decide(pdp, "sre-post", "echo", "alice", "sre", "POST", "/x", Mode.ENFORCE);
      t.decide(pdp, "dev-get", "echo", "bob", "dev", "GET", "/x", Mode.ENFORCE);
      t.decide(pdp, "dev-post", "echo", "bob", "dev", "POST", "/x", Mode.ENFORCE);
      t.decide(pdp, "auditor-monitored", "staging", "carol", "auditor", "GET", "/r", Mode.MONITOR);
      t.decide(pdp, "dev-observed", "reports", "dave", "dev", "GET", "/r", Mode.OBSERVE);
      t.decide(pdp, "ops-post", "echo", "olga", "ops", "POST", "/x", Mode.ENFORCE);
      Decision refused =
          pdp.refuse(
              PATH,
              input("mallory", "sre", "GET", "/x", null),
              Map.of("route", "echo", "subject", "mallory"),
              Mode.ENFORCE,
              "invalid_token: signature does not verify");
      refused.logged().get(10, TimeUnit.SECONDS);
      t.ids.put("refused", refused.decisionId());
      Decision masked =
          pdp.decide(
              PATH,
              input("erin", "sre", "GET", "/x", "s3cret"),
              Map.of("route", "echo", "subject", "erin"),
              pdp.evalOptions(),
              Mode.ENFORCE);
      masked.logged().get(10, TimeUnit.SECONDS);
      t.ids.put("masked", masked.decisionId());
    }
    return t;
  }

  private void decide(
      DecisionPoint pdp,
      String name,
      String route,
      String subject,
      String role,
      String method,
      String path,
      Mode mode)
      throws Exception {
    Decision d =
        pdp.decide(
            PATH,
            input(subject, role, method, path, null),
            Map.of("route", route, "subject", subject),
            pdp.evalOptions(),
            mode);
    d.logged().get(10, TimeUnit.SECONDS);
    ids.put(name, d.decisionId());
  }

  private static dev.vigil.rego.value.Value input(
      String subject, String role, String method, String path, String token) {
    return Json.parse(
        "{\"user\":{\"id\":\""
            + subject
            + "\",\"role\":\""
            + role
            + "\""
            + (token == null ? "" : ",\"token\":\"" + token + "\"")
            + "},\"request\":{\"method\":\""
            + method
            + "\",\"path\":\""
            + path
            + "\"}}");
  }

  /** Writes a bundle directory holding one module, {@code authz/authz.rego}. */
  static Path bundle(Path dir, String rego) throws Exception {
    Files.createDirectories(dir.resolve("authz"));
    Files.writeString(dir.resolve("authz/authz.rego"), rego);
    Files.writeString(dir.resolve(".manifest"), "{\"revision\":\"candidate-1\"}");
    return dir;
  }
}
