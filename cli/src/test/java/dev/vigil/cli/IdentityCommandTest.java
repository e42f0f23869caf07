package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.identity.BundleSource;
import dev.vigil.identity.RevocationList;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509SvidValidator;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityCommandTest {

  @TempDir Path dir;
  private Path keyFile;
  private String data;

  @BeforeEach
  void key() throws Exception {
    keyFile = dir.resolve("ca.key");
    Files.writeString(keyFile, "ab".repeat(32));
    data = dir.resolve("data").toString();
  }

  private CliRun identity(String... args) {
    String[] all = new String[args.length + 5];
    all[0] = "identity";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--data-dir";
    all[args.length + 2] = data;
    all[args.length + 3] = "--ca-key-file";
    all[args.length + 4] = keyFile.toString();
    return CliRun.of(all);
  }

  /** Makes the node's store the way a person would: the first issue creates it and its CA. */
  private void node() {
    CliRun r =
        identity(
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/setup",
            "--out",
            dir.resolve("setup").toString());
    assertThat(r.status()).as(r.err()).isZero();
  }

  private static List<X509Certificate> certs(Path pem) throws Exception {
    return CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)))
        .stream()
        .map(c -> (X509Certificate) c)
        .toList();
  }

  @Test
  void issue_firstUse_writesSvidKeyAndBundleThatVerify() throws Exception {
    Path out = dir.resolve("svid");
    CliRun r =
        identity("issue", "--spiffe-id", "spiffe://prod.example/web", "--out", out.toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("issued spiffe://prod.example/web");

    List<X509Certificate> chain = certs(out.resolve("svid.pem"));
    List<X509Certificate> roots = certs(out.resolve("bundle.pem"));
    assertThat(Files.readString(out.resolve("svid.key"))).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("svid.key"))))
        .isEqualTo("rw-------");
    TrustDomain prod = new TrustDomain("prod.example");
    TrustBundle bundle =
        new TrustBundle(prod, roots, java.util.Map.of(), 1, java.time.Duration.ofMinutes(5));
    X509SvidValidator v =
        new X509SvidValidator(BundleSource.of(bundle), RevocationList.NONE, InstantSource.system());
    assertThat(v.validate(chain)).isEqualTo(SpiffeId.parse("spiffe://prod.example/web"));

    CliRun b = identity("bundle", "prod.example");
    assertThat(b.status()).as(b.err()).isZero();
    TrustBundle printed = TrustBundle.parse(prod, b.out());
    assertThat(printed.x509Authorities()).isEqualTo(roots);
    assertThat(printed.jwtAuthorities()).hasSize(1);
  }

  @Test
  void issue_withoutCaKey_refusesAndSaysHow() {
    CliRun r =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--out",
            dir.resolve("o").toString(),
            "--data-dir",
            data);
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("VIGIL_CA_KEY").contains("--insecure-dev");
    assertThat(dir.resolve("o")).doesNotExist();
  }

  /**
   * Regression: on the data directory of a {@code vigil up} node, whose CAs are sealed with its
   * {@code ca.key}, every identity command without {@code --ca-key-file} said to set VIGIL_CA_KEY,
   * and one set to a new key would then fail to open the node's CAs.
   */
  @Test
  void entryCreate_onANodesDataDirWithItsCaKey_usesThatKey() throws Exception {
    Files.createDirectories(Path.of(data));
    Files.copy(keyFile, Path.of(data, "ca.key"));
    node();

    CliRun r =
        CliRun.of(
            "identity",
            "entry",
            "create",
            "--data-dir",
            data,
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--selector",
            "unix:uid:1000");
    CliRun issued =
        CliRun.of(
            "identity",
            "issue",
            "--data-dir",
            data,
            "--spiffe-id",
            "spiffe://prod.example/api",
            "--out",
            dir.resolve("api").toString());

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(issued.status()).as(issued.err()).isZero();
    assertThat(certs(dir.resolve("api").resolve("bundle.pem")))
        .isEqualTo(certs(dir.resolve("setup").resolve("bundle.pem")));
  }

  @Test
  void issue_insecureDev_warnsLoudly() {
    CliRun r =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://dev.example/web",
            "--out",
            dir.resolve("o").toString(),
            "--data-dir",
            data,
            "--insecure-dev");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("UNENCRYPTED");
  }

  @Test
  void issue_malformedId_isUsageErrorQuotingTheInput() {
    CliRun r = identity("issue", "--spiffe-id", "spiffe://example.org/a/../b", "--out", "x");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("spiffe://example.org/a/../b").contains("\"..\"");
    CliRun upper = identity("issue", "--spiffe-id", "spiffe://PROD.example/a", "--out", "x");
    assertThat(upper.err()).contains("must be lower case");
  }

  @Test
  void issue_jwtAudience_printsToken() {
    CliRun r =
        identity("issue", "--spiffe-id", "spiffe://prod.example/web", "--jwt-audience", "db");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out().strip().split("\\.")).hasSize(3);
  }

  @Test
  void bundle_unknownTrustDomain_failsWithoutCreatingIt() {
    node();
    CliRun r = identity("bundle", "nowhere.example");
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("\"nowhere.example\" does not exist");
  }

  @Test
  void entry_createListDelete() {
    node();
    CliRun c =
        identity(
            "entry",
            "create",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--selector",
            "unix:uid:1000",
            "--selector",
            "unix:path:/usr/bin/web",
            "--ttl",
            "30m",
            "--dns",
            "web.internal");
    assertThat(c.status()).as(c.err()).isZero();
    String id = c.out().strip();
    CliRun l = identity("entry", "list");
    assertThat(l.out())
        .contains(id)
        .contains("spiffe://prod.example/web")
        .contains("unix:path:/usr/bin/web,unix:uid:1000")
        .contains("PT30M")
        .contains("web.internal");
    assertThat(identity("entry", "delete", id).status()).isZero();
    assertThat(identity("entry", "list").out()).doesNotContain(id);
    assertThat(identity("entry", "delete", id).status()).isEqualTo(1);
  }

  /**
   * Regression: each of these made a new empty store in a mistyped --data-dir, so an entry, a token
   * or an imported bundle went where no agent would ever read it.
   */
  @Test
  void nodeCommands_dataDirWithoutStore_refusedCreatingNothing() throws Exception {
    Path file = Files.writeString(dir.resolve("any.pem"), "not read");
    List<List<String>> commands =
        List.of(
            List.of("bundle", "prod.example"),
            List.of("entry", "list"),
            List.of("entry", "delete", "e-1"),
            List.of("rotate", "status", "prod.example"),
            List.of("federate", "partner.example", "--bundle", file.toString()),
            List.of("join-token", "create", "--trust-domain", "prod.example"),
            List.of("bundle-endpoint", "prod.example", "--spiffe", "--listen", "127.0.0.1:0"));

    for (List<String> command : commands) {
      CliRun r = identity(command.toArray(String[]::new));

      assertThat(r.status()).as(command + ": " + r.err()).isEqualTo(1);
      assertThat(r.err())
          .as(command.toString())
          .contains("no Vigil store in data directory " + data)
          .contains("vigil up --data-dir " + data);
      assertThat(Path.of(data)).as(command.toString()).doesNotExist();
    }
  }

  /** A new node's first step (docs/sidecar.md): the store is created, and the output says so. */
  @Test
  void entryCreate_newDataDir_createsTheStoreAndSaysSo() throws Exception {
    CliRun r =
        identity(
            "entry",
            "create",
            "--spiffe-id",
            "spiffe://prod.example/w",
            "--selector",
            "unix:uid:1");

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("no store in " + data + " yet; created a new one");
    assertThat(Path.of(data).resolve("vigil.db")).exists();
    CliRun list = identity("entry", "list");
    assertThat(list.out()).contains("spiffe://prod.example/w");
  }

  @Test
  void revoke_dataDirWithoutStore_refusedCreatingNothing() throws Exception {
    Path out = dir.resolve("o");
    CliRun other =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://prod.example/web",
            "--out",
            out.toString(),
            "--data-dir",
            dir.resolve("other").toString(),
            "--ca-key-file",
            keyFile.toString());
    assertThat(other.status()).as(other.err()).isZero();

    CliRun r = identity("revoke", out.resolve("svid.pem").toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("no Vigil store in data directory " + data);
    assertThat(Path.of(data)).doesNotExist();
  }

  @Test
  void entry_badSelector_isUsageError() {
    CliRun c =
        identity(
            "entry", "create", "--spiffe-id", "spiffe://prod.example/web", "--selector", "uid");
    assertThat(c.status()).isEqualTo(2);
    assertThat(c.err()).contains("\"uid\"");
  }

  @Test
  void rotate_prepareThenStatus_showsBothRoots() {
    identity(
        "issue", "--spiffe-id", "spiffe://prod.example/web", "--out", dir.resolve("o").toString());
    CliRun p = identity("rotate", "prepare", "prod.example");
    assertThat(p.status()).as(p.err()).isZero();
    CliRun s = identity("rotate", "status", "prod.example");
    assertThat(s.out()).contains("ACTIVE").contains("PREPARED");
    CliRun a = identity("rotate", "activate", "prod.example");
    assertThat(a.status()).isEqualTo(1);
    assertThat(a.err()).contains("less than one bundle refresh hint");
  }

  @Test
  void rotate_auto_onFreshDomain_takesNoStep() {
    identity(
        "issue", "--spiffe-id", "spiffe://prod.example/web", "--out", dir.resolve("o").toString());
    CliRun r = identity("rotate", "auto", "prod.example");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("steps taken: []");
  }

  @Test
  void agent_badRefresh_isUsageError() {
    CliRun r = identity("--help");
    assertThat(r.out()).contains("issue").contains("bundle").contains("entry").contains("rotate");
    CliRun a =
        CliRun.of(
            "agent", "--refresh", "soon", "--data-dir", data, "--ca-key-file", keyFile.toString());
    assertThat(a.status()).isEqualTo(2);
    assertThat(a.err()).contains("\"soon\" is not a duration");
  }

  @Test
  void agent_zeroRefresh_isUsageErrorNamingTheOption() {
    // Regression: `--refresh 0s` ended with "vigil: IllegalArgumentException" from the scheduler.
    CliRun a =
        CliRun.of(
            "agent", "--refresh", "0s", "--data-dir", data, "--ca-key-file", keyFile.toString());
    assertThat(a.status()).isEqualTo(2);
    assertThat(a.err()).contains("vigil agent: --refresh \"0s\" must be longer than 0");
  }

  @Test
  void issue_zeroTtl_isUsageErrorNamingTheOption() {
    // Regression: the CA said it had "produced an X.509-SVID its own validator refuses".
    node();
    for (String[] jwt : new String[][] {{}, {"--jwt-audience", "db"}}) {
      List<String> args = new java.util.ArrayList<>(List.of("issue", "--spiffe-id"));
      args.addAll(List.of("spiffe://prod.example/x", "--out", dir.resolve("x").toString()));
      args.addAll(List.of("--ttl", "0s"));
      args.addAll(List.of(jwt));
      CliRun r = identity(args.toArray(String[]::new));
      assertThat(r.status()).isEqualTo(2);
      assertThat(r.err())
          .contains("vigil identity issue: --ttl \"0s\" must be longer than 0")
          .doesNotContain("validator");
    }
  }

  @Test
  void agent_joinTokenUsedOrUnknown_isRefusedWithTheReason() throws Exception {
    node();
    CliRun created = identity("join-token", "create", "--trust-domain", "prod.example");
    assertThat(created.status()).as(created.err()).isZero();
    String token = created.out().strip();
    assertThat(created.err()).contains("spiffe://prod.example/vigil/agent/");
    try (var st =
        dev.vigil.store.Store.open(dev.vigil.store.StoreLocation.embedded(Path.of(data)))) {
      var ids =
          new dev.vigil.identity.Identities(
              st,
              dev.vigil.identity.CaKeyCipher.configured(java.util.Map.of(), keyFile),
              InstantSource.system(),
              dev.vigil.identity.CaConfig.defaults());
      ids.joinTokens().redeem(token);
    }

    CliRun reused = agent("--join-token", token);
    assertThat(reused.status()).isEqualTo(1);
    assertThat(reused.err()).contains("was already used").doesNotContain(token);

    CliRun unknown = agent("--join-token", "made-up");
    assertThat(unknown.status()).isEqualTo(1);
    assertThat(unknown.err()).contains("join token not recognised");
  }

  private CliRun agent(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("agent"));
    all.addAll(List.of(args));
    all.addAll(
        List.of(
            "--data-dir",
            data,
            "--ca-key-file",
            keyFile.toString(),
            "--socket",
            dir.resolve("agent.sock").toString()));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void agent_dataDirWithoutStore_refusedNamingItAndCreatesNothing() {
    // Regression: the agent made an empty store there and served it, issuing nothing to anyone.
    CliRun r =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(60), () -> agent());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("no Vigil store in data directory " + data);
    assertThat(Path.of(data, "vigil.db")).doesNotExist();
  }

  @Test
  void agent_keyThatDoesNotOpenTheStoredCas_refusedAtStart() throws Exception {
    // Regression: the agent started, issued nothing, and logged an error per trust domain at
    // every refresh (every second).
    node();
    Files.writeString(keyFile, "cd".repeat(32));

    CliRun r =
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
            java.time.Duration.ofSeconds(60), () -> agent());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err())
        .contains("vigil agent: cannot decrypt the key of CA prod.example/")
        .contains("another key sealed it");
  }

  @Test
  void agent_badMetricsAddr_isUsageError() {
    CliRun r = agent("--metrics-addr", "nowhere");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("--metrics-addr \"nowhere\" must be HOST:PORT");
  }

  @Test
  void bundleEndpoint_profileNotChosenOrUnknownDomain_isRefused() {
    node();
    CliRun none = identity("bundle-endpoint", "prod.example", "--listen", "127.0.0.1:0");
    assertThat(none.status()).isEqualTo(2);
    assertThat(none.err()).contains("give either --cert and --key, or --spiffe");
    CliRun both =
        identity(
            "bundle-endpoint", "prod.example", "--spiffe", "--cert", "a.pem", "--key", "a.key");
    assertThat(both.status()).isEqualTo(2);
    CliRun unknown =
        identity("bundle-endpoint", "nowhere.example", "--listen", "127.0.0.1:0", "--spiffe");
    assertThat(unknown.status()).isEqualTo(1);
    assertThat(unknown.err()).contains("trust domain \"nowhere.example\" does not exist here");
  }

  @Test
  void join_tokenCreate_badTtl_isUsageError() {
    CliRun r = identity("join-token", "create", "--trust-domain", "prod.example", "--ttl", "x");
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err()).contains("\"x\" is not a duration");
  }

  @Test
  void federate_fromFileAndUrl_makesPartnerSvidsVerify() throws Exception {
    // A partner Vigil with its own data directory and trust domain.
    String partnerData = dir.resolve("partner").toString();
    Path out = dir.resolve("p");
    CliRun issued =
        CliRun.of(
            "identity",
            "issue",
            "--spiffe-id",
            "spiffe://partner.example/api",
            "--out",
            out.toString(),
            "--data-dir",
            partnerData,
            "--ca-key-file",
            keyFile.toString());
    assertThat(issued.status()).as(issued.err()).isZero();
    String partnerBundle =
        CliRun.of(
                "identity",
                "bundle",
                "partner.example",
                "--data-dir",
                partnerData,
                "--ca-key-file",
                keyFile.toString())
            .out();
    Path file = dir.resolve("partner.json");
    Files.writeString(file, partnerBundle);

    node();
    CliRun f = identity("federate", "partner.example", "--bundle", file.toString());
    assertThat(f.status()).as(f.err()).isZero();
    assertThat(f.out()).contains("imported bundle of partner.example: 1 roots, 1 JWT keys");
    CliRun b = identity("bundle", "partner.example");
    assertThat(TrustBundle.parse(new TrustDomain("partner.example"), b.out()).x509Authorities())
        .isEqualTo(certs(out.resolve("bundle.pem")));

    CliRun plain = identity("federate", "partner.example", "--bundle", "http://127.0.0.1:1/b");
    assertThat(plain.status()).isEqualTo(2);
    assertThat(plain.err()).contains("is plain http");

    // The partner serves its bundle with the https_spiffe profile; the file import above is the
    // bootstrap bundle that its endpoint SVID is checked against.
    try (var st =
            dev.vigil.store.Store.open(
                dev.vigil.store.StoreLocation.embedded(Path.of(partnerData)));
        var endpoint =
            dev.vigil.identity.BundleEndpoint.httpsSpiffe(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
                new dev.vigil.identity.Identities(
                    st,
                    dev.vigil.identity.CaKeyCipher.configured(java.util.Map.of(), keyFile),
                    InstantSource.system(),
                    dev.vigil.identity.CaConfig.defaults()),
                new TrustDomain("partner.example"),
                InstantSource.system())) {
      String url = endpoint.uri().toString();
      CliRun u =
          identity(
              "federate",
              "partner.example",
              "--bundle",
              url,
              "--endpoint-spiffe-id",
              "spiffe://partner.example/vigil/bundle-endpoint");
      assertThat(u.status()).as(u.err()).isZero();
      assertThat(u.out()).contains("imported bundle of partner.example");
      CliRun wrongId =
          identity(
              "federate",
              "partner.example",
              "--bundle",
              url,
              "--endpoint-spiffe-id",
              "spiffe://partner.example/someone-else");
      assertThat(wrongId.status()).isEqualTo(2);
      assertThat(wrongId.err()).contains("cannot fetch the bundle from " + url);
    }
  }

  @Test
  void federate_ownTrustDomain_isRefused() throws Exception {
    identity(
        "issue", "--spiffe-id", "spiffe://prod.example/web", "--out", dir.resolve("o").toString());
    Path file = dir.resolve("own.json");
    Files.writeString(file, identity("bundle", "prod.example").out());
    CliRun r = identity("federate", "prod.example", "--bundle", file.toString());
    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("is run by this Vigil");
  }

  @Test
  void revoke_svidFile_isRecorded() {
    Path out = dir.resolve("o");
    identity("issue", "--spiffe-id", "spiffe://prod.example/web", "--out", out.toString());
    CliRun r = identity("revoke", out.resolve("svid.pem").toString());
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).contains("revoked spiffe://prod.example/web serial");
  }
}
