package dev.vigil.console;

import dev.vigil.access.DeviceCertificates;
import dev.vigil.access.Entitlement;
import dev.vigil.access.Grants;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.auth.SignInThrottle;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.pdp.Decision;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.pdp.PdpServer;
import dev.vigil.pdp.PolicyPath;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.api.OpaApi;
import dev.vigil.rego.value.Json;
import dev.vigil.store.DecisionLog;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.RouteModeOverrides;
import dev.vigil.store.SessionSignOuts;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A control plane with the console on a free loopback port, over a real embedded store, decision
 * point and identity service; and a browser-like client that keeps cookies and follows nothing.
 */
final class ConsoleFixture implements AutoCloseable {

  static final String POLICY =
      "package authz\n\ndefault allow := false\n\nallow if input.user.role == \"sre\"\n";
  static final String ADMIN_PASSWORD = "a long admin password";

  /** The routes as a configuration file would give them: echo enforced, staging monitored. */
  static final List<Route> CONFIGURED =
      List.of(
          route("echo", Mode.ENFORCE),
          new Route(
              "staging",
              "staging.localhost",
              "/",
              URI.create("http://127.0.0.1:9"),
              "authz/allow",
              Mode.MONITOR,
              Map.of(),
              null));

  private static final Pattern CSRF = Pattern.compile("name=\"csrf\" value=\"([^\"]+)\"");

  final Store store;
  final DecisionLog log;
  final DecisionPoint pdp;
  final PdpMetrics metrics;
  final RouteModes modes;
  final AtomicReference<RouteTable> routes;
  final AdminAccounts accounts;
  final ConsoleSignIn signIn;
  final Identities identities;
  final GatewaySvids svids;
  final PdpServer server;
  final String firstPassword;
  final Grants grants;

  /** The console's session key, and its sign-outs kept in the store. */
  final byte[] sessionKey = SessionCodec.newKey();

  final SessionSignOuts signOuts;

  /** The TLS context a browser trusts the console's certificate with, or null on plain HTTP. */
  final SSLContext tls;

  ConsoleFixture(Path dir) throws Exception {
    this(dir, false);
  }

  /** A console over TLS (a self-signed certificate of {@code dir}) when {@code tls}. */
  ConsoleFixture(Path dir, boolean tls) throws Exception {
    this(dir, tls, PasswordChecks.withDefaults());
  }

  /** A console whose password checks are {@code checks} (the node's bound on them). */
  ConsoleFixture(Path dir, boolean tls, PasswordChecks checks) throws Exception {
    ServerTls serverTls = null;
    if (tls) {
      ServerCertificate cert = ServerCertificate.selfSigned(dir, Instant.now());
      serverTls =
          ServerTls.read(
              dir.resolve(ServerCertificate.CERT_FILE),
              dir.resolve(ServerCertificate.KEY_FILE),
              null);
      this.tls = trusting(cert);
    } else {
      this.tls = null;
    }
    store = Store.open(StoreLocation.embedded(dir));
    log = new DecisionLog(store, DecisionLog.Options.defaults());
    pdp = new DecisionPoint(DecisionPoint.Options.defaults().withDecisionLog(log));
    pdp.putPolicy("authz.rego", POLICY);
    metrics = new PdpMetrics(log);
    pdp.onDecision(new RouteMetrics(metrics));
    InstantSource clock = InstantSource.system();
    modes = RouteModes.start(CONFIGURED, new RouteModeOverrides(store), clock);
    modes.checkPoliciesOf(pdp);
    routes = modes.table();
    byte[] caKey = new byte[32];
    caKey[0] = 7;
    identities = new Identities(store, CaKeyCipher.ofKey(caKey), clock, CaConfig.defaults());
    svids = new GatewaySvids(identities, List.of(TrustDomain.parse("prod")), clock);
    svids.bindMetrics(metrics.registry());
    accounts = AdminAccounts.open(dir, "admin");
    List<LocalUser> users =
        List.of(
            new LocalUser(
                "carol", "", List.of("admin"), List.of(), PasswordHash.hash(ADMIN_PASSWORD), null),
            new LocalUser(
                "bob", "", List.of("dev"), List.of(), PasswordHash.hash(ADMIN_PASSWORD), null));
    signOuts = SessionSignOuts.open(store, "console", Duration.ofHours(8), clock);
    signIn =
        new ConsoleSignIn(
            accounts,
            new SessionCodec(
                sessionKey, Duration.ofMinutes(30), Duration.ofHours(8), clock, signOuts),
            clock,
            "admin",
            users,
            SignInThrottle.withDefaults(clock),
            TotpSteps.inMemory(),
            checks);
    firstPassword = signIn.createFirstAdmin().orElseThrow();
    grants =
        Grants.open(
            store,
            clock,
            List.of(
                new Entitlement(
                    "prod-db-admin",
                    List.of("bob"),
                    Duration.ofHours(1),
                    true,
                    Duration.ofMinutes(30))));
    Console.Sources sources =
        new Console.Sources(
            new DecisionReader(store),
            modes,
            () -> identities,
            () -> svids,
            () -> List.<String[]>of(new String[] {"store", "<ok>"}),
            clock,
            grants,
            pdp);
    server =
        PdpServer.start(
            "127.0.0.1",
            0,
            pdp,
            metrics,
            OpaApi.Options.defaults(),
            r -> Console.install(r, signIn, sources),
            serverTls);
  }

  private static SSLContext trusting(ServerCertificate cert) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry(
        "console", DeviceCertificates.certificates(cert.certificatePem()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  static Route route(String name, Mode mode) {
    return new Route(
        name, "*", "/", URI.create("http://127.0.0.1:9"), "authz/allow", mode, Map.of(), null);
  }

  /** Decides as the gateway would for {@code subject} with {@code role}, and waits for the log. */
  Decision decide(String route, String subject, String role) {
    Decision d =
        pdp.decide(
            PolicyPath.parse("authz/allow"),
            Json.parse("{\"user\":{\"role\":" + Json.quote(role) + "}}"),
            Map.of("route", route, "subject", subject),
            pdp.evalOptions(),
            Mode.ENFORCE);
    d.logged().join();
    return d;
  }

  String url(String path) {
    return (tls == null ? "http" : "https") + "://127.0.0.1:" + server.port() + path;
  }

  /** A browser signed in as carol, the fixture's admin. */
  Browser carol() throws Exception {
    Browser b = browser();
    int status = b.signIn("carol", ADMIN_PASSWORD).statusCode();
    if (status != 303) {
      throw new AssertionError("carol's sign-in answered " + status + ", not 303");
    }
    return b;
  }

  Browser browser() {
    return new Browser();
  }

  @Override
  public void close() {
    server.close();
    signOuts.close();
    grants.close();
    pdp.close();
    log.close();
    store.close();
  }

  /** A client that keeps cookies like a browser and does not follow redirects. */
  final class Browser {
    private final HttpClient http =
        (tls == null ? HttpClient.newBuilder() : HttpClient.newBuilder().sslContext(tls))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    private final Map<String, String> cookies = new java.util.LinkedHashMap<>();
    String lastCsrf;

    /** Returns the value of the cookie this browser holds under {@code name}, or null. */
    String cookie(String name) {
      return cookies.get(name);
    }

    /** Holds {@code value} as the cookie {@code name}, as a replayed cookie would be. */
    void setCookie(String name, String value) {
      cookies.put(name, value);
    }

    HttpResponse<String> get(String path) throws Exception {
      return send(HttpRequest.newBuilder(URI.create(url(path))));
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
      if (!cookies.isEmpty()) {
        StringBuilder h = new StringBuilder();
        cookies.forEach(
            (k, v) -> h.append(h.isEmpty() ? "" : "; ").append(k).append('=').append(v));
        b.header("Cookie", h.toString());
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      for (String c : r.headers().allValues("Set-Cookie")) {
        String pair = c.split(";", 2)[0];
        int eq = pair.indexOf('=');
        if (c.contains("Max-Age=0")) {
          cookies.remove(pair.substring(0, eq));
        } else {
          cookies.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
      Matcher m = CSRF.matcher(r.body());
      if (m.find()) {
        lastCsrf = m.group(1);
      }
      return r;
    }

    HttpResponse<String> post(String path, String... fields) throws Exception {
      StringBuilder body = new StringBuilder();
      for (int i = 0; i + 1 < fields.length; i += 2) {
        if (!body.isEmpty()) {
          body.append('&');
        }
        body.append(fields[i])
            .append('=')
            .append(URLEncoder.encode(fields[i + 1], StandardCharsets.UTF_8));
      }
      return send(
          HttpRequest.newBuilder(URI.create(url(path)))
              .header("Content-Type", "application/x-www-form-urlencoded")
              .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** Signs in through the form; returns the response to the post. */
    HttpResponse<String> signIn(String user, String password) throws Exception {
      get("/console/login");
      return post(
          "/console/login", "csrf", lastCsrf, "username", user, "password", password, "totp", "");
    }
  }
}
