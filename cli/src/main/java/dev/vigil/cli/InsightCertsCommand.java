package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.httpkit.DurationText;
import dev.vigil.insight.CertificateExpiry;
import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code vigil insight certs}: every certificate Vigil depends on, soonest expiry first. */
@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description =
        "Every certificate Vigil depends on, soonest expiry first: trust domain roots, federated"
            + " roots, the device CA and devices, the configured TLS certificates. Exit status 3"
            + " when one is expired, not yet valid or within --warn (roots a node rotates on"
            + " schedule aside), or when rotation falls behind.")
final class InsightCertsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Mixin StoreOptions store;

  @Option(
      names = "--warn",
      paramLabel = "DURATION",
      defaultValue = "30d",
      description = "Flag certificates that expire within this long (default: 30d).")
  String warn;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "The node's vigil.yaml: its TLS certificates, and its store by default.")
  Path config;

  @Option(names = "--format", defaultValue = "text", description = "text or json.")
  String format;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Duration within;
    VigilConfig cfg = null;
    try {
      InsightCommand.checkFormat(format);
      within = warn();
      if (config != null) {
        cfg = NodeConfigs.read(config);
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("vigil insight certs: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    List<CertificateExpiry.TlsFile> files =
        cfg == null ? List.of() : CertificateExpiry.filesOf(cfg);
    try (Store st = cfg == null ? store.openExisting() : store.openExisting(cfg.storeLocation())) {
      CertificateExpiry report = CertificateExpiry.check(st, files, within, Instant.now());
      out.print(format.equals("json") ? report.json() + System.lineSeparator() : report.text());
      return report.status();
    } catch (IllegalArgumentException | StoreException e) {
      err.println("vigil insight certs: " + e.getMessage());
      return 1;
    }
  }

  private Duration warn() {
    try {
      return DurationText.parse(warn);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--warn " + e.getMessage(), e);
    }
  }
}
