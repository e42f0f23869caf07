package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.access.Entitlement;
import dev.vigil.access.ProviderApprover;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.demo.DemoUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access.entitlements section: read with its defaults, each bad value refused at its line. */
class EntitlementsConfigTest {

  @TempDir Path tmp;
  static String users;

  @BeforeAll
  static void hash() {
    String h = PasswordHash.hash("pw");
    users =
        "users:\n"
            + "  - username: carol\n    password_hash: \""
            + h
            + "\"\n    groups: [dba]\n"
            + "  - username: alice\n    password_hash: \""
            + h
            + "\"\n";
  }

  private VigilConfig read(String access) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, users + "access:\n  entitlements:\n" + access);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  /** The line of the first entitlement in the file: the users take 6 lines, access 2. */
  static final int FIRST = 9;

  @Test
  void read_fullAndMinimal_readWithDefaults() throws Exception {
    List<Entitlement> e =
        read("    - name: prod-db-admin\n      approvers: [carol, group:dba]\n"
                + "      max_duration: 2h\n      break_glass: true\n"
                + "      break_glass_max_duration: 15m\n"
                + "    - name: billing-read\n      approvers: [alice]\n")
            .entitlements();

    assertThat(e)
        .containsExactly(
            new Entitlement(
                "prod-db-admin",
                List.of("carol", "group:dba"),
                Duration.ofHours(2),
                true,
                Duration.ofMinutes(15)),
            new Entitlement(
                "billing-read",
                List.of("alice"),
                Duration.ofHours(1),
                false,
                Duration.ofMinutes(30)));
  }

  @Test
  void read_approversAddedByTheDemo_countOnlyWhenGiven() throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(
        f,
        users
            + "access:\n"
            + "  entitlements:\n"
            + "    - name: echo-admin\n"
            + "      approvers: [group:platform]\n");

    VigilConfig demo = VigilConfig.read(f, tmp.resolve("data"), DemoUsers.approvers());

    assertThat(demo.entitlements())
        .extracting(Entitlement::approvers)
        .containsExactly(List.of("group:platform"));
    assertThatThrownBy(() -> VigilConfig.read(f, tmp.resolve("data")))
        .hasMessageContaining("\"group:platform\" is not a group of any configured user");
  }

  @Test
  void read_noAccessSection_noEntitlements() throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, users);
    assertThat(VigilConfig.read(f, tmp.resolve("data")).entitlements()).isEmpty();
  }

  @Test
  void read_badValues_refusedWithFileLineAndKey() {
    refused(
        "    - name: \"bad name\"\n      approvers: [carol]\n",
        "vigil.yaml:"
            + FIRST
            + ": access.entitlements[0].name: \"bad name\" is not an entitlement");
    refused(
        "    - name: a\n      approvers: [carol]\n    - name: a\n      approvers: [carol]\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[1].name: entitlement \"a\" is defined"
            + " twice (first on line "
            + FIRST
            + ")");
    refused(
        "    - name: a\n",
        "vigil.yaml:" + FIRST + ": access.entitlements[0]: missing required key \"approvers\"");
    refused(
        "    - name: a\n      approvers: []\n",
        "access.entitlements[0].approvers: entitlement \"a\" needs at least one approver");
    refused(
        "    - name: a\n      approvers: [mallory]\n",
        "vigil.yaml:"
            + (FIRST + 1)
            + ": access.entitlements[0].approvers[0]: \"mallory\" is not a"
            + " configured user");
    refused(
        "    - name: a\n      approvers: [group:nobody]\n",
        "access.entitlements[0].approvers[0]: \"group:nobody\" is not a group of any configured"
            + " user");
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: 48h\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[0].max_duration: \"48h\" is not from"
            + " 1m to 24h");
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: soon\n",
        "access.entitlements[0].max_duration: \"soon\" is not a duration");
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: 90s\n",
        "access.entitlements[0].max_duration: \"90s\" is not whole minutes");
    refused(
        "    - name: a\n      approvers: [carol]\n      break_glass_max_duration: 10m\n",
        "access.entitlements[0].break_glass_max_duration: is set but break_glass is not true");
    refused(
        "    - name: a\n      approvers: [carol]\n      break_glass: true\n"
            + "      break_glass_max_duration: 5h\n",
        "access.entitlements[0].break_glass_max_duration: \"5h\" is not from 1m to 4h");
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: 20m\n"
            + "      break_glass: true\n      break_glass_max_duration: 30m\n",
        "break_glass_max_duration: \"30m\" is longer than max_duration");
    refused(
        "    - name: a\n      approvers: [carol]\n      break_glass: maybe\n",
        "access.entitlements[0].break_glass");
    refused("    - name: a\n      approvers: [carol]\n      ttl: 1h\n", "access.entitlements[0]");
  }

  @Test
  void read_compoundDurations_readAsAccessRequestsTakeThem() throws Exception {
    // Regression: max_duration: 1h30m was refused in the file while a request took 1h30m.
    Entitlement e =
        read("    - name: a\n      approvers: [carol]\n      max_duration: 1h30m\n"
                + "      break_glass: true\n      break_glass_max_duration: 1h15m\n")
            .entitlements()
            .get(0);

    assertThat(e.maxDuration()).isEqualTo(Duration.ofMinutes(90));
    assertThat(e.breakGlassMaxDuration()).isEqualTo(Duration.ofMinutes(75));
  }

  @Test
  void read_negativeOrFractionalDuration_refusedAtItsLine() {
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: -30m\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[0].max_duration: \"-30m\" is negative");
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: 1.5h\n",
        "access.entitlements[0].max_duration: \"1.5h\" has a fraction");
  }

  @Test
  void read_requestLifetime_readOrDefault_outOfRangeRefusedAtItsLine() throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, users + "access:\n  request_lifetime: 2h30m\n");
    assertThat(VigilConfig.read(f, tmp.resolve("data")).requestLifetime())
        .isEqualTo(Duration.ofMinutes(150));
    Files.writeString(f, users + "access:\n  entitlements: []\n");
    assertThat(VigilConfig.read(f, tmp.resolve("data")).requestLifetime())
        .isEqualTo(Duration.ofHours(24));

    for (String bad : List.of("30s", "8d", "0s", "-1h", "soon")) {
      Files.writeString(f, users + "access:\n  request_lifetime: " + bad + "\n");
      assertThatThrownBy(() -> VigilConfig.read(f, tmp.resolve("data")))
          .as(bad)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:8: access.request_lifetime: \"" + bad + "\"");
    }
  }

  /**
   * Regression: an approver was compared with the user names as written, so {@code Carol} was
   * refused as "not a configured user" although carol signs in as Carol, CAROL or carol.
   */
  @Test
  void read_approverInAnotherCase_isTheUserAsSignInFindsHer_storedAsTheFileSpellsHer()
      throws Exception {
    Entitlement e =
        read("    - name: a\n      approvers: [Carol, CAROL, group:dba]\n").entitlements().get(0);

    assertThat(e.approvers()).containsExactly("carol", "group:dba");
    assertThat(e.approvableBy("carol", List.of())).isTrue();
    // Group names are compared as written, as policies compare them.
    refused(
        "    - name: a\n      approvers: [group:DBA]\n",
        "\"group:DBA\" is not a group of any configured user");
  }

  @Test
  void read_breakGlassDefaultLongerThanMax_cappedAtMax() throws Exception {
    Entitlement e =
        read("    - name: a\n      approvers: [carol]\n      max_duration: 10m\n"
                + "      break_glass: true\n")
            .entitlements()
            .get(0);

    assertThat(e.breakGlassMaxDuration()).isEqualTo(Duration.ofMinutes(10));
  }

  @Test
  void read_groupWithoutName_refusedWithTheHintAtItsLine() throws Exception {
    // Regression: [group:] was refused with "expected a string" alone: YAML reads it as a key,
    // and nothing said to quote it or that a group name must follow.
    refused(
        "    - name: a\n      approvers: [group:]\n",
        "vigil.yaml:"
            + (FIRST + 1)
            + ": access.entitlements[0].approvers[0]: expected a string, not \"group:\" read by"
            + " YAML as a key");
    refused(
        "    - name: a\n      approvers: [carol, group: dba]\n",
        "access.entitlements[0].approvers[1]: expected a string, not \"group:\"");
    refused(
        "    - name: a\n      approvers: [group:]\n",
        "a group name must follow group: directly, and the item be quoted, as \"group:NAME\"");
    refused(
        "    - name: a\n      approvers: [\"group:\"]\n",
        "vigil.yaml:"
            + (FIRST + 1)
            + ": access.entitlements[0].approvers[0]: \"group:\" names no group: a group name"
            + " must follow group:");
    // Any other string written as a key gets the hint to quote it, naming the key.
    refused(
        "    - name: a\n      approvers: [carol]\n      max_duration: {1h:}\n",
        "access.entitlements[0].max_duration: expected a string, not \"1h:\", which YAML reads"
            + " as a key");
  }

  private void refused(String access, String message) {
    assertThatThrownBy(() -> read(access))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  private VigilConfig readNotify(String notify) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, users + "access:\n  notify:\n" + notify);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  @Test
  void notify_urlAndSecretFile_read() throws Exception {
    VigilConfig.AccessNotify n =
        readNotify("    url: https://hooks.example.com/T0/K3N\n    secret_file: hook.secret\n")
            .accessNotify();

    assertThat(n.url()).hasToString("https://hooks.example.com/T0/K3N");
    assertThat(n.secretFile()).isEqualTo(tmp.resolve("hook.secret"));
    assertThat(read("    - name: x\n      approvers: [carol]\n").accessNotify()).isNull();
  }

  /** Regression: an unreadable secret file was reported at the line of url, above it. */
  @Test
  void notify_secretFile_placedAtItsOwnLine() throws Exception {
    VigilConfig c = readNotify("    url: https://h.example/x\n    secret_file: hook.secret\n");

    assertThat(c.where("access.notify.secret_file"))
        .endsWith("vigil.yaml:10: access.notify.secret_file");
  }

  @Test
  void notify_badValues_refusedAtTheirLine() {
    // users take 6 lines, then access: and notify:; a section is placed where its keys start
    assertThatThrownBy(() -> readNotify("    secret_file: hook.secret\n"))
        .hasMessageContaining("vigil.yaml:9: access.notify: missing required key \"url\"");
    assertThatThrownBy(() -> readNotify("    url: ftp://hooks.example.com/x\n"))
        .hasMessageContaining(
            "vigil.yaml:9: access.notify.url: \"ftp://hooks.example.com/x\" is not an http(s) URL");
    assertThatThrownBy(() -> readNotify("    url: https://user:pw@hooks.example.com/x\n"))
        .hasMessageContaining("vigil.yaml:9: access.notify.url: holds a user name or password");
    assertThatThrownBy(() -> readNotify("    url: http://127.0.0.1:99999/x\n"))
        .hasMessageContaining(
            "vigil.yaml:9: access.notify.url: \"http://127.0.0.1:99999/x\": port 99999 is not"
                + " from 1 to 65535");
    assertThatThrownBy(() -> readNotify("    url: http://127.0.0.1:0/x\n"))
        .hasMessageContaining("access.notify.url: \"http://127.0.0.1:0/x\": port 0 is not");
    assertThatThrownBy(() -> readNotify("    url: https://h.example/x\n    secret_file: \"\"\n"))
        .hasMessageContaining("vigil.yaml:10: access.notify.secret_file: must name a file");
    assertThatThrownBy(() -> readNotify("    url: https://h.example/x\n    sekret: y\n"))
        .hasMessageContaining("vigil.yaml:10: access.notify.sekret: unknown key");
  }

  /** Two providers, after the entitlements so that their lines stay where {@link #FIRST} says. */
  static final String PROVIDERS =
      """
      oidc:
        - name: corp
          issuer: https://idp.example.com
          client_id: gw
          client_secret_env: PATH
          redirect_uri: https://gw.example.com/auth/callback
        - name: partner
          issuer: https://partner.example.com
          client_id: gw
          client_secret_env: PATH
          redirect_uri: https://gw.example.com/auth/callback
      """;

  private VigilConfig readWithProviders(String access) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, users + "access:\n  entitlements:\n" + access + PROVIDERS);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  private void refusedWithProviders(String access, String message) {
    assertThatThrownBy(() -> readWithProviders(access))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }

  @Test
  void read_providerApprovers_readBesideLocalOnes() throws Exception {
    Entitlement e =
        readWithProviders(
                "    - name: a\n      approvers:\n        - carol\n"
                    + "        - {provider: corp, group: sre}\n"
                    + "        - provider: corp\n          user: 00u1:ab|c\n")
            .entitlements()
            .get(0);

    assertThat(e.approvers()).containsExactly("carol");
    assertThat(e.providerApprovers())
        .containsExactly(
            ProviderApprover.group("corp", "sre"), ProviderApprover.user("corp", "00u1:ab|c"));
    assertThat(e.approvableBy("someone", "corp", List.of("sre"))).isTrue();
    assertThat(e.approvableBy("00u1:ab|c", "corp", List.of())).isTrue();
    assertThat(e.approvableBy("someone", "local", List.of("sre"))).isFalse();
  }

  @Test
  void read_providersOnly_enoughApprovers() throws Exception {
    Entitlement e =
        readWithProviders("    - name: a\n      approvers: [{provider: corp, group: sre}]\n")
            .entitlements()
            .get(0);

    assertThat(e.approvers()).isEmpty();
    assertThat(e.providerApprovers()).containsExactly(ProviderApprover.group("corp", "sre"));
  }

  @Test
  void read_badProviderApprovers_refusedWithFileLineAndKey() {
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: corpx, group: sre}\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[0].approvers[0].provider: \"corpx\" is not a configured"
            + " OpenID Connect provider (oidc configures [corp, partner])");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: partner, group: sre}\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[0].approvers[0].provider: \"partner\" is not the default"
            + " provider");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: local, user: carol}\n",
        "access.entitlements[0].approvers[0].provider: \"local\" users are written by their"
            + " user name");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - carol\n        - {provider: corp}\n",
        "vigil.yaml:"
            + (FIRST + 3)
            + ": access.entitlements[0].approvers[1]: an approver of provider \"corp\" needs a"
            + " user or a group");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: corp, user: u, group: g}\n",
        "access.entitlements[0].approvers[0]: an approver names a user or a group, not both");
    // A group alone reads as either slip: a local group unquoted, or a provider's without it.
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {group: sre}\n",
        "a group of the OpenID Connect provider is {provider: NAME, group: GROUP}");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {user: sam}\n",
        "access.entitlements[0].approvers[0]: missing required key \"provider\"");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: corp, role: admin}\n",
        "vigil.yaml:" + (FIRST + 2) + ": access.entitlements[0].approvers[0].role: unknown key");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: corp, group: \" sre\"}\n",
        "access.entitlements[0].approvers[0].group: \" sre\" is not a group");
    refusedWithProviders(
        "    - name: a\n      approvers:\n        - {provider: corp, user: [a, b]}\n",
        "access.entitlements[0].approvers[0].user: expected a string");
    // Without any oidc section the provider cannot be known either.
    refused(
        "    - name: a\n      approvers:\n        - {provider: corp, group: sre}\n",
        "vigil.yaml:"
            + (FIRST + 2)
            + ": access.entitlements[0].approvers[0].provider: \"corp\" is not a configured"
            + " OpenID Connect provider (oidc configures none)");
  }
}
