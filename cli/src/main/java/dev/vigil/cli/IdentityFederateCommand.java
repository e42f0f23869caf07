package dev.vigil.cli;

import dev.vigil.identity.BundleFetcher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.pdp.FileProblems;
import dev.vigil.store.Store;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity federate TRUST_DOMAIN --bundle FILE|URL}: trusts another domain. */
@Command(
    name = "federate",
    mixinStandardHelpOptions = true,
    description =
        "Import another trust domain's bundle (SPIFFE bundle JSON) from a file or a bundle endpoint"
            + " (https_web, or https_spiffe with --endpoint-spiffe-id), so that its SVIDs verify"
            + " here.")
final class IdentityFederateCommand implements Callable<Integer> {

  private static final int MAX_BUNDLE_BYTES = 1 << 20;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(paramLabel = "TRUST_DOMAIN")
  String trustDomain;

  @Option(
      names = "--bundle",
      required = true,
      paramLabel = "FILE|URL",
      description = "A SPIFFE bundle JSON file, or the https URL of a bundle endpoint.")
  String bundle;

  @Option(
      names = "--ca-file",
      paramLabel = "PEM",
      description = "https_web: trust these roots for the endpoint instead of the JDK's.")
  Path caFile;

  @Option(
      names = "--endpoint-spiffe-id",
      paramLabel = "ID",
      description =
          "https_spiffe: the endpoint must present this SPIFFE ID, verified under the bundle of"
              + " its trust domain already imported here (first import one from a file).")
  String endpointId;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    TrustDomain td;
    String json;
    try {
      td = TrustDomain.parse(trustDomain);
    } catch (IllegalArgumentException e) {
      err.println("vigil identity federate: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openExistingStore()) {
      Identities ids = options.identities(st, err);
      try {
        json = read(ids);
      } catch (IllegalArgumentException e) {
        err.println("vigil identity federate: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      } catch (IOException e) {
        // A URL is no file: its fault is told as BundleFetcher says it, not as a path's.
        err.println(
            "vigil identity federate: --bundle "
                + (bundle.startsWith("https://")
                    ? bundle + ": " + CliErrors.describe(e)
                    : FileProblems.describe(Path.of(bundle), e)));
        return Vigil.EXIT_USAGE;
      }
      TrustBundle b;
      try {
        b = ids.importBundle(td, json, bundle);
      } catch (IllegalArgumentException e) {
        err.println("vigil identity federate: " + e.getMessage());
        return 1;
      }
      spec.commandLine()
          .getOut()
          .printf(
              "imported bundle of %s: %d roots, %d JWT keys, sequence %d%n",
              td, b.x509Authorities().size(), b.jwtAuthorities().size(), b.sequence());
      return 0;
    }
  }

  private String read(Identities ids) throws IOException {
    if (bundle.startsWith("http://")) {
      throw new IllegalArgumentException(
          "bundle URL "
              + bundle
              + " is plain http; a bundle endpoint is https (https_web or"
              + " https_spiffe)");
    }
    if (bundle.startsWith("https://")) {
      URI url = URI.create(bundle);
      if (endpointId == null) {
        List<X509Certificate> roots = caFile == null ? List.of() : roots(caFile);
        return BundleFetcher.httpsWeb(url, roots);
      }
      SpiffeId id = SpiffeId.parse(endpointId);
      TrustBundle trusted =
          ids.bundle(id.trustDomain())
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "no bundle of "
                              + id.trustDomain()
                              + " to check the endpoint's SVID with; import one from a file"
                              + " first"));
      return BundleFetcher.httpsSpiffe(url, id, trusted, InstantSource.system());
    }
    Path p = Path.of(bundle);
    if (Files.size(p) > MAX_BUNDLE_BYTES) {
      throw new IOException("bundle file " + bundle + " is larger than 1 MiB");
    }
    return Files.readString(p);
  }

  private static List<X509Certificate> roots(Path pem) throws IOException {
    try (var in = Files.newInputStream(pem)) {
      return CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(c -> (X509Certificate) c)
          .toList();
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "--ca-file " + pem + " holds no readable PEM certificate: " + e.getMessage());
    }
  }
}
