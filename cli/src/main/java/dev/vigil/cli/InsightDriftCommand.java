package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.insight.ConfigDrift;
import dev.vigil.insight.LivePolicy;
import dev.vigil.insight.Window;
import dev.vigil.pdp.ServerTls;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight drift}: what is live and differs from what vigil.yaml declares. */
@Command(
    name = "drift",
    mixinStandardHelpOptions = true,
    description =
        "What is live and differs from vigil.yaml: route modes set at runtime, policies and data"
            + " written through the OPA API, nodes deciding with other bundle revisions, trust"
            + " domains, entries and federated bundles. Exit status 3 when there is drift.")
final class InsightDriftCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin InsightWindowOptions window;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      defaultValue = "vigil.yaml",
      description = "The node's configuration: what is declared (default: ./vigil.yaml).")
  Path config;

  @Option(
      names = "--control-plane",
      paramLabel = "URL",
      description =
          "The node's control plane, asked what was written through the OPA API"
              + " (default: http:// and control_plane.addr).")
  String controlPlane;

  @Option(
      names = "--api-token-file",
      paramLabel = "FILE",
      description = "The node's API token (default: api.token in the data directory).")
  Path tokenFile;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "A client certificate (PEM chain, leaf first) for a control plane that asks for one"
              + " (control_plane.tls_client_ca); with --tls-key.")
  Path tlsCert;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The PEM private key of --tls-cert (PKCS#8, SEC 1 or PKCS#1).")
  Path tlsKey;

  @Option(
      names = "--no-live",
      description = "Do not ask the node; compare only what the store holds.")
  boolean noLive;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Window w;
    VigilConfig cfg;
    URI base;
    SSLContext tls;
    try {
      InsightCommand.checkFormat(format);
      w = window.window(Instant.now());
      cfg = NodeConfigs.read(config);
      base = controlPlane(cfg);
      tls = trust(cfg, base, clientCertificate());
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight drift: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    LivePolicy live = null;
    String note = "the node was not asked (--no-live): OPA API writes not compared";
    if (!noLive) {
      Path token = tokenFile != null ? tokenFile : cfg.dataDir().resolve("api.token");
      try {
        live = LivePolicy.fetch(base, Files.readString(token).strip(), tls);
      } catch (IOException e) {
        note =
            "cannot ask the node at "
                + base
                + " with the token of "
                + token
                + ": "
                + e.getMessage()
                + "; OPA API writes not compared";
      }
    }
    try (Store st = window.store.openExisting(cfg.storeLocation())) {
      ConfigDrift drift = ConfigDrift.compare(cfg, st, w, window.route, live, note, Instant.now());
      out.print(format.equals("json") ? drift.json() + System.lineSeparator() : drift.text());
      return drift.status();
    } catch (IllegalArgumentException e) {
      err.println("vigil insight drift: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    } catch (StoreException e) {
      err.println("vigil insight drift: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The TLS context for a control plane that serves TLS ({@code control_plane.tls_cert}): it trusts
   * the node's own certificates, read from the file the configuration names, so that a private CA
   * needs no setting here; null for plain HTTP, or when the JDK's own CAs are to judge a URL given
   * with {@code --control-plane} and no TLS file configured.
   */
  private static SSLContext trust(VigilConfig cfg, URI base, ServerTls client) {
    if (!"https".equals(base.getScheme())) {
      return null;
    }
    if (cfg.controlPlaneTls() == null) {
      return client == null ? null : ServerTls.trusting(null, null, client);
    }
    return ServerTls.trusting(
        cfg.controlPlaneTls().certFile(), cfg.where("control_plane.tls_cert") + ":", client);
  }

  /**
   * The certificate drift presents to a control plane that requires one ({@code tls_client_ca}):
   * without it such a node refuses the handshake and what was written through its API is never
   * compared. Null when neither option is given.
   */
  private ServerTls clientCertificate() {
    if (tlsCert == null && tlsKey == null) {
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new IllegalArgumentException("--tls-cert and --tls-key go together; give both");
    }
    return ServerTls.read(tlsCert, tlsKey, null);
  }

  private URI controlPlane(VigilConfig cfg) {
    String scheme = cfg.controlPlaneTls() == null ? "http://" : "https://";
    String url = controlPlane != null ? controlPlane : scheme + cfg.controlPlane();
    try {
      URI u = URI.create(url.endsWith("/") ? url : url + "/");
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
        throw new IllegalArgumentException("not an http(s) URL with a host");
      }
      return u;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--control-plane \"" + url + "\" is not a control plane's URL: " + e.getMessage(), e);
    }
  }
}
