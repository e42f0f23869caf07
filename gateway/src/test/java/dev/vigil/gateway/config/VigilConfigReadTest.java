package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configuration files a new user gets wrong: each is refused with its file:line and key. */
class VigilConfigReadTest {

  @TempDir Path tmp;

  private VigilConfig read(String yaml) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  /**
   * Regression: a YAML syntax error kept SnakeYAML's wording, several lines with marks of their own
   * and no column. Now it is one line: file:line:column and the parser's short problem.
   */
  @Test
  void read_yamlSyntaxError_oneLineWithLineAndColumn() {
    assertThatThrownBy(() -> read("gateway:\n  addr: 127.0.0.1:1\n bad: [\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            tmp.resolve("vigil.yaml")
                + ":3:2: invalid YAML: expected <block end>, but found '<block mapping start>'")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> read("gateway:\n\taddr: 127.0.0.1:1\n"))
        .hasMessageStartingWith(tmp.resolve("vigil.yaml") + ":2:1: invalid YAML: ")
        .hasMessageNotContaining("\n")
        .hasMessageNotContaining("in 'reader'");
  }

  @Test
  void read_insightInvariants_heldForInsightAndOtherKeysRefused() throws Exception {
    // vigil up holds the section; vigil insight invariants reads into it (docs/insight.md).
    assertThat(read("insight:\n  invariants:\n    service-mtls: {enabled: false}\n").routes())
        .isEmpty();
    assertThatThrownBy(() -> read("insight:\n  invariant: {}\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            tmp.resolve("vigil.yaml")
                + ":2: insight.invariant: unknown key; expected one of"
                + " [invariants]");
    assertThatThrownBy(() -> read("insight:\n  invariants: [a]\n"))
        .hasMessage(
            tmp.resolve("vigil.yaml")
                + ":2: insight.invariants: expected a mapping of keys to values");
  }

  @Test
  void read_topLevelKeyTwice_refusedNamingBothLines() {
    assertThatThrownBy(
            () ->
                read(
                    "control_plane:\n  addr: 127.0.0.1:1\ngateway:\n  addr: 127.0.0.1:2\n"
                        + "control_plane:\n  addr: 127.0.0.1:3\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:5: control_plane: given twice (first on line 1)");
  }

  @Test
  void read_nestedKeyTwice_refused() {
    assertThatThrownBy(() -> read("gateway:\n  addr: 127.0.0.1:1\n  addr: 127.0.0.1:2\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:3: gateway.addr: given twice (first on line 2)");
  }

  @Test
  void read_keyTwiceInARoute_refused() {
    assertThatThrownBy(
            () ->
                read(
                    "routes:\n  - name: a\n    upstream: http://127.0.0.1:1\n"
                        + "    policy: p/allow\n    mode: enforce\n    mode: observe\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:6: routes[0].mode: given twice (first on line 5)");
  }

  /** "data.authz." read as data.authz, and "data." as the root: a typo that named another path. */
  @Test
  void read_routePolicyWithAnEmptyStep_refusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                read(
                    "routes:\n  - name: a\n    upstream: http://127.0.0.1:1\n"
                        + "    policy: data.authz.\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "vigil.yaml:4: routes[0].policy: policy path \"data.authz.\" has an empty step");
  }

  @Test
  void read_durationTooLargeForALong_refusedNamingTheKey() {
    assertThatThrownBy(() -> read("gateway:\n  session_idle: 99999999999999999999h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.session_idle: \"99999999999999999999h\"")
        .hasMessageContaining("at most");
  }

  @Test
  void read_durationOverflowingOnConversion_refusedNamingTheKey() {
    assertThatThrownBy(() -> read("gateway:\n  session_absolute: 9999999999999999h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.session_absolute: \"9999999999999999h\"")
        .hasMessageContaining("at most");
  }

  @Test
  void read_durationBeyondInstantRange_refusedNamingTheKey() {
    assertThatThrownBy(() -> read("gateway:\n  device_report_max_age: 9999999999d\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.device_report_max_age")
        .hasMessageContaining("at most");
  }

  @Test
  void read_decisionLogRetain_readOrMissing() throws Exception {
    assertThat(read("decision_log:\n  retain: 30d\n").decisionRetention())
        .isEqualTo(java.time.Duration.ofDays(30));
    assertThat(read("decision_log:\n  mask: []\n").decisionRetention()).isNull();
  }

  @Test
  void read_decisionLogRetainTooShortOrNotADuration_refusedNamingTheLine() {
    assertThatThrownBy(() -> read("decision_log:\n  retain: 10m\n"))
        .hasMessageContaining("vigil.yaml:2")
        .hasMessageContaining("decision_log.retain")
        .hasMessageContaining("at least 1h");
    assertThatThrownBy(() -> read("decision_log:\n  retain: forever\n"))
        .hasMessageContaining("vigil.yaml:2")
        .hasMessageContaining("is not a duration");
  }

  @Test
  void read_store_parsedAsTheFlagIs_sqlitePathFromTheFilesFolder() throws Exception {
    VigilConfig pg = read("store: postgresql://u:secret@127.0.0.1:5432/vigil\n");
    VigilConfig lite = read("store: sqlite:shared/vigil.db\n");
    VigilConfig none = read("gateway:\n  addr: 127.0.0.1:1\n");

    assertThat(pg.storeLocation().jdbcUrl())
        .isEqualTo("jdbc:postgresql://127.0.0.1:5432/vigil?user=u&password=secret");
    assertThat(pg.storeLocation().display()).doesNotContain("secret");
    assertThat(lite.storeLocation().sqliteFile()).isEqualTo(tmp.resolve("shared/vigil.db"));
    assertThat(none.store()).isNull();
    assertThat(none.storeLocation().sqliteFile()).isEqualTo(tmp.resolve("data/vigil.db"));
  }

  /** What a value accepted without effect led the tester to believe: each is refused instead. */
  @Test
  void read_sessionTimesThatCannotWork_refusedNamingTheKey() {
    assertThatThrownBy(() -> read("gateway:\n  session_idle: 0s\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.session_idle: \"0s\" is too short");
    assertThatThrownBy(() -> read("gateway:\n  session_idle: 10h\n  session_absolute: 1h\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.session_idle: \"10h\" is longer than");
  }

  @Test
  void read_shortAbsoluteTimeAlone_capsTheDefaultIdleTime() throws Exception {
    VigilConfig c = read("gateway:\n  session_absolute: 10m\n");

    assertThat(c.sessionIdle()).isEqualTo(java.time.Duration.ofMinutes(10));
    assertThat(c.sessionAbsolute()).isEqualTo(java.time.Duration.ofMinutes(10));
  }

  @Test
  void read_redirectHostsThatNeverMatch_refusedNamingTheItem() throws Exception {
    for (String bad : new String[] {"\"*\"", "\".\"", "\"evil.example:*\"", "a..b", "https://x"}) {
      assertThatThrownBy(() -> read("gateway:\n  redirect_hosts: [app.example.com, " + bad + "]\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:2: gateway.redirect_hosts[1]: redirect host");
    }
    VigilConfig ok =
        read("gateway:\n  redirect_hosts: [app.example.com, .example.org, \"h.example:8443\"]\n");
    assertThat(ok.redirectHosts())
        .containsExactly("app.example.com", ".example.org", "h.example:8443");
  }

  @Test
  void read_routePolicyEmptyOrPrefixNotNormalised_refusedNamingTheRoute() {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n";
    assertThatThrownBy(() -> read(route + "    policy: \"\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:4: routes[0].policy: policy is empty");
    for (String prefix : new String[] {"/a/../b", "/a/./b", "/a//b", "/.."}) {
      assertThatThrownBy(() -> read(route + "    policy: a/allow\n    prefix: " + prefix + "\n"))
          .as(prefix)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("route r: path prefix \"" + prefix + "\" is not a normalised path");
    }
  }

  /**
   * Regression: a prefix the path normaliser rewrites or refuses was taken, and its route never
   * matched a request: "/%41" (requests arrive as "/A"), "/a%2f" (lower-case hex is upper-cased),
   * "/a b" or "/a;v" (such requests are refused before routing), "/a?x" (a query is no path).
   */
  @Test
  void read_routePrefixNoRequestCanMatch_refusedSayingHowRequestsSpellIt() throws Exception {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/allow\n";
    String[][] cases = {
      {"/%41", "requests spell it \"/A\""},
      {"/caf%c3%a9", "requests spell it \"/caf%C3%A9\""},
      {"\"/a b\"", "path holds a space"},
      {"/a;v", "; parameter"},
      {"/a?x", "it holds a query"},
      {"/%2F", "ambiguous encoding %2F"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> read(route + "    prefix: " + c[0] + "\n"))
          .as(c[0])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:")
          .hasMessageContaining("is not a normalised path")
          .hasMessageContaining(c[1]);
    }
    assertThat(read(route + "    prefix: /caf%C3%A9/x%20y/\n").routes().get(0).pathPrefix())
        .isEqualTo("/caf%C3%A9/x%20y");
  }

  @Test
  void read_maskWithoutItsLeadingSlash_refusedNamingTheItem() {
    assertThatThrownBy(
            () -> read("decision_log:\n  mask: [/input/x, input/request/headers/authorization]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: decision_log.mask[1]: mask path")
        .hasMessageContaining("/input/request/headers/authorization");
    assertThatThrownBy(() -> read("decision_log:\n  mask: [\"/input//x\"]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("has an empty step");
  }

  @Test
  void read_fileNotUtf8_saysSoWithoutTheDecodersWords() throws Exception {
    Path f = tmp.resolve("binary.yaml");
    Files.write(f, new byte[] {'a', ':', ' ', (byte) 0xff, (byte) 0xfe, '\n'});

    assertThatThrownBy(() -> VigilConfig.read(f, tmp.resolve("data")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(f + ": is not UTF-8 text");
  }

  static final String HASH =
      "$argon2id$v=19$m=19456,t=2,p=1$E/HPo/RZ/19pi6h0ptDZYQ$"
          + "JdZQy3HM9DUqXu3gPsVQW2qQvp97UPfBRjMI6QdHTKs";

  /**
   * Regression: a policy path the decision point cannot read was taken, and every request on the
   * route then failed with 500 and a stack trace in the service log.
   */
  @Test
  void read_routePolicyTheDecisionPointCannotRead_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: ";
    for (String bad : new String[] {"data.payroll.al-low", "data.", "\"/\"", "data"}) {
      assertThatThrownBy(() -> read(route + bad + "\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith(tmp.resolve("vigil.yaml") + ":4: routes[0].policy: ");
    }
  }

  /**
   * Regression: a bad path here stopped start-up only once the Workload API socket and the store
   * had been made, and without its file:line.
   */
  @Test
  void read_authzPolicyTheDecisionPointCannotRead_refusedNamingTheKey() {
    assertThatThrownBy(() -> read("control_plane:\n  authz_policy: data.a-b.allow\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: control_plane.authz_policy: policy path");
  }

  /** Regression: refused only once the store had been made, and without its file:line. */
  @Test
  void read_trustedProxyNotACidrBlock_refusedNamingTheItem() {
    assertThatThrownBy(() -> read("control_plane:\n  trusted_proxies: [10.0.0.0/8, notacidr]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: control_plane.trusted_proxies[1]:")
        .hasMessageContaining("notacidr");
  }

  @Test
  void read_routeUpstreamNotAnHttpUrl_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    policy: a/allow\n    upstream: ";
    for (String bad : new String[] {"127.0.0.1:21002", "localhost:21002", "ftp://h/", "http:/x"}) {
      assertThatThrownBy(() -> read(route + bad + "\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:4: routes[0].upstream: \"" + bad + "\"")
          .hasMessageContaining("http://host:port");
    }
  }

  /**
   * The gateway forwards to the upstream's scheme, host, port and path alone: a query, a fragment
   * or credentials in the URL were dropped without a word (and the credentials shown in the
   * console's route list), and a port out of range failed only at the first request.
   */
  @Test
  void read_routeUpstreamWithPartsTheGatewayDoesNotSend_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    policy: a/allow\n    upstream: ";
    String[][] cases = {
      {"http://127.0.0.1:9000/app?tenant=a", "query"},
      {"http://127.0.0.1:9000/app#top", "fragment"},
      {"http://svc:secret@127.0.0.1:9000", "user name or password"},
      {"http://127.0.0.1:99999", "port 99999"},
      {"http://127.0.0.1:0", "port 0"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> read(route + c[0] + "\n"))
          .as(c[0])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:4: routes[0].upstream: \"" + c[0] + "\"")
          .hasMessageContaining(c[1]);
    }
  }

  @Test
  void read_routeUpstreamWithBasePathOrDefaultPort_accepted() throws Exception {
    String route = "routes:\n  - name: r\n    policy: a/allow\n    upstream: ";
    for (String good : new String[] {"http://127.0.0.1:9000/app/", "https://app.internal"}) {
      assertThat(read(route + good + "\n").routes().get(0).upstream().toString()).isEqualTo(good);
    }
  }

  /**
   * docs/policy-input.md promises input.action is read, write, delete or admin; a route's "action:
   * raed" reached the policy as it was written.
   */
  @Test
  void read_routeActionNotOneOfTheFour_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n";
    assertThatThrownBy(() -> read(route + "    action: raed\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:5: routes[0].action: \"raed\" is not one of")
        .hasMessageContaining("read, write, delete, admin");
  }

  @Test
  void read_routeActionOneOfTheFour_givenToEveryMethod() throws Exception {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n";
    assertThat(read(route + "    action: admin\n").routes().get(0).actionFor("GET"))
        .isEqualTo("admin");
  }

  /**
   * Regression: "mode: Enforce" was read while "action: Admin" was refused; both are read in any
   * case now and reach the policy and the logs in lower case.
   */
  @Test
  void read_routeActionAndModeInAnyCase_readAndGivenInLowerCase() throws Exception {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n";
    Route r = read(route + "    action: Admin\n    mode: MONITOR\n").routes().get(0);

    assertThat(r.actionFor("GET")).isEqualTo("admin");
    assertThat(r.mode().label()).isEqualTo("monitor");
  }

  /** A misspelt resource key (enviroment) reached the policy, which then saw no environment. */
  @Test
  void read_routeResourceKeyNotInTheInput_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n";
    assertThatThrownBy(() -> read(route + "    resource:\n      enviroment: production\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:6: routes[0].resource.enviroment: unknown key")
        .hasMessageContaining("environment");
    // The gateway sets input.resource.route to the route's name itself.
    assertThatThrownBy(() -> read(route + "    resource:\n      route: other\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:6: routes[0].resource.route: unknown key");
  }

  @Test
  void read_routeHostThatNeverMatches_refusedNamingTheKey() {
    String route = "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n";
    for (String bad : new String[] {"http://a.example", "a..b", "\"a b\"", "\"\""}) {
      assertThatThrownBy(() -> read(route + "    host: " + bad + "\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:5: routes[0].host:")
          .hasMessageContaining("is not a host name");
    }
    assertThatThrownBy(() -> read(route + "    host: wiki.localhost:8080\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:5: routes[0].host: \"wiki.localhost:8080\" has a port");
  }

  @Test
  void read_routeHostInAnotherSpelling_readAsRequestsAreRouted() throws Exception {
    String yaml =
        "routes:\n  - name: r\n    upstream: http://127.0.0.1:1\n    policy: a/b\n"
            + "    host: Wiki.Localhost.\n";

    assertThat(read(yaml).routes().getFirst().host()).isEqualTo("wiki.localhost");
  }

  /** Regression: the second of two routes for one host and prefix silently never served. */
  @Test
  void read_twoRoutesForOneHostAndPrefix_refusedNamingTheFirst() {
    String yaml =
        "routes:\n"
            + "  - name: wiki\n    host: wiki.localhost\n    prefix: /docs\n"
            + "    upstream: http://127.0.0.1:1\n    policy: a/b\n    mode: observe\n"
            + "  - name: wiki-enforced\n    host: WIKI.localhost\n    prefix: /docs/\n"
            + "    upstream: http://127.0.0.1:2\n    policy: a/b\n";

    assertThatThrownBy(() -> read(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:8: routes[1]: serves host \"wiki.localhost\"")
        .hasMessageContaining("as route \"wiki\" does");
  }

  @Test
  void read_routeWithoutAName_refused() {
    assertThatThrownBy(
            () ->
                read(
                    "routes:\n  - name: \" \"\n    upstream: http://127.0.0.1:1\n"
                        + "    policy: a/b\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: routes[0].name: a route needs a name");
  }

  /**
   * Regression: a TOTP secret that is not base32 was taken, and its user's every sign-in failed
   * with 500 and a stack trace.
   */
  @Test
  void read_userTotpSecretThatCannotMakeCodes_refusedNamingTheKey() {
    String user = "users:\n  - username: carol\n    password_hash: \"" + HASH + "\"\n";
    for (String bad : new String[] {"\"not base32!\"", "\"\"", "JBSWY3DP", "\"====\""}) {
      assertThatThrownBy(() -> read(user + "    totp_secret: " + bad + "\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:4: users[0].totp_secret: TOTP secret");
    }
  }

  @Test
  void read_userPasswordHashNoPasswordMatches_refusedNamingTheKey() {
    String user = "users:\n  - username: carol\n    password_hash: ";
    for (String bad :
        new String[] {
          "$argon2id$garbage",
          "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
          "$argon2id$v=19$m=1,t=2,p=1$E/HPo/RZ/19pi6h0ptDZYQ$"
              + "JdZQy3HM9DUqXu3gPsVQW2qQvp97UPfBRjMI6QdHTKs",
          "$argon2id$v=19$m=19456,t=2,p=1$E/HPo/RZ/19pi6h0ptDZYQ$!!"
        }) {
      assertThatThrownBy(() -> read(user + "\"" + bad + "\"\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:3: users[0].password_hash: the Argon2id hash");
    }
  }

  /** roles: [~] gave the user the role "~", and roles: [""] a blank one. */
  @Test
  void read_userRoleOrGroupEmpty_refusedNamingTheItem() {
    String user = "users:\n  - username: carol\n    password_hash: \"" + HASH + "\"\n";
    for (String bad : new String[] {"~", "null", "\"\"", "\" \""}) {
      assertThatThrownBy(() -> read(user + "    roles: [sre, " + bad + "]\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:4: users[0].roles[1]: a role needs a name");
      assertThatThrownBy(() -> read(user + "    groups:\n      - " + bad + "\n"))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:5: users[0].groups[0]: a group needs a name");
    }
  }

  @Test
  void read_consoleAdminRoleBlank_refused() {
    assertThatThrownBy(() -> read("console:\n  admin_role: \"\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: console.admin_role: ")
        .hasMessageContaining("cannot be blank");
  }

  /** With --data-dir given, data_dir was not read at all, so a list there passed unnoticed. */
  @Test
  void read_dataDirOfTheWrongTypeUnderAnOverride_refused() {
    assertThatThrownBy(() -> read("data_dir: [a, b]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:1: data_dir: expected a string");
  }

  /** Two listeners on one address failed at start with "address already in use". */
  @Test
  void read_twoListenersOnOneAddress_refusedNamingBothKeys() {
    assertThatThrownBy(
            () ->
                read(
                    "control_plane:\n  addr: 127.0.0.1:28611\n"
                        + "gateway:\n  addr: :28611\n  tls_addr: \"off\"\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "vigil.yaml:4: gateway.addr: control_plane.addr and gateway.addr are both"
                + " 127.0.0.1:28611");
    // The TLS listener's default address, taken by the plain listener.
    assertThatThrownBy(() -> read("gateway:\n  addr: 127.0.0.1:8443\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2: gateway.addr: gateway.addr and gateway.tls_addr");
  }

  @Test
  void read_listenersOffOrOnAnyFreePort_accepted() throws Exception {
    assertThat(read("gateway:\n  addr: 127.0.0.1:8443\n  tls_addr: \"off\"\n").gateway())
        .isEqualTo("127.0.0.1:8443");
    assertThat(read("control_plane:\n  addr: 127.0.0.1:0\ngateway:\n  addr: 127.0.0.1:0\n"))
        .isNotNull();
  }

  @Test
  void read_userTwice_refusedNamingBothLines() {
    String one = "  - username: carol\n    password_hash: \"" + HASH + "\"\n";

    assertThatThrownBy(() -> read("users:\n" + one + one))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "vigil.yaml:4: users[1].username: user \"carol\" is defined twice (first on line 2)");
  }

  /** Where each route's policy key is written, for errors about the path it names. */
  @Test
  void read_routes_rememberWhereEachPolicyKeyIsWritten() throws Exception {
    VigilConfig c =
        read(
            "routes:\n"
                + "  - name: a\n    upstream: http://127.0.0.1:9\n    policy: p/allow\n"
                + "  - name: b\n    prefix: /b\n    upstream: http://127.0.0.1:9\n"
                + "    policy: q/allow\n");

    assertThat(c.policyPlace("a")).isEqualTo(tmp.resolve("vigil.yaml") + ":4: routes[0].policy");
    assertThat(c.policyPlace("b")).isEqualTo(tmp.resolve("vigil.yaml") + ":8: routes[1].policy");
    assertThat(c.policyPlace("c")).isNull();
    assertThat(c.withStore(null).policyPlace("b")).isEqualTo(c.policyPlace("b"));
  }
}
