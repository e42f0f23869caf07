package dev.vigil.cli;

import dev.vigil.identity.SpiffeId;
import dev.vigil.store.Store;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity revoke SVID_PEM}: revokes the leaf certificate of an X.509-SVID file. */
@Command(
    name = "revoke",
    mixinStandardHelpOptions = true,
    description = "Revoke an X.509-SVID (its leaf serial); Vigil's verifiers refuse it from then.")
final class IdentityRevokeCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(paramLabel = "SVID_PEM", description = "svid.pem written by `vigil identity issue`")
  Path svidPem;

  @Override
  public Integer call() throws Exception {
    X509Certificate leaf;
    try {
      leaf =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(svidPem)));
    } catch (java.io.IOException e) {
      spec.commandLine()
          .getErr()
          .println("vigil identity revoke: " + dev.vigil.pdp.FileProblems.describe(svidPem, e));
      return Vigil.EXIT_USAGE;
    } catch (CertificateException e) {
      spec.commandLine()
          .getErr()
          .println("vigil identity revoke: " + svidPem + " holds no certificate");
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openExistingStore()) {
      SpiffeId id = options.identities(st, spec.commandLine().getErr()).revoke(leaf);
      spec.commandLine()
          .getOut()
          .println("revoked " + id + " serial " + leaf.getSerialNumber().toString(16));
      return 0;
    }
  }
}
