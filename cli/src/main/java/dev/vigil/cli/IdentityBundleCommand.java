package dev.vigil.cli;

import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity bundle TRUST_DOMAIN}: prints the trust domain's SPIFFE bundle. */
@Command(
    name = "bundle",
    mixinStandardHelpOptions = true,
    description = "Print a trust domain's bundle in the SPIFFE bundle format (or PEM with --pem).")
final class IdentityBundleCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(paramLabel = "TRUST_DOMAIN", description = "e.g. prod.example")
  String trustDomain;

  @Option(names = "--pem", description = "Print the root certificates as PEM instead.")
  boolean pem;

  @Override
  public Integer call() {
    TrustDomain td;
    try {
      td = TrustDomain.parse(trustDomain);
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("vigil identity bundle: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openExistingStore()) {
      Optional<TrustBundle> bundle = options.identities(st, spec.commandLine().getErr()).bundle(td);
      if (bundle.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println("vigil identity bundle: trust domain \"" + td + "\" does not exist here");
        return 1;
      }
      spec.commandLine()
          .getOut()
          .print(pem ? bundle.get().x509AuthoritiesPem() : bundle.get().toJson() + "\n");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
