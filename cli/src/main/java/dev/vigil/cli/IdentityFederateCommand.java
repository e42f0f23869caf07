package dev.vigil.cli;

import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
        "Import another trust domain's bundle (SPIFFE bundle JSON) from a file or an http(s) URL,"
            + " so that its SVIDs verify here.")
final class IdentityFederateCommand implements Callable<Integer> {

  private static final int MAX_BUNDLE_BYTES = 1 << 20;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(paramLabel = "TRUST_DOMAIN")
  String trustDomain;

  @Option(names = "--bundle", required = true, paramLabel = "FILE|URL")
  String bundle;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    TrustDomain td;
    String json;
    try {
      td = TrustDomain.parse(trustDomain);
      json = read(bundle);
    } catch (IllegalArgumentException | IOException e) {
      err.println("vigil identity federate: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openStore()) {
      TrustBundle b;
      try {
        b = options.identities(st, err).importBundle(td, json, bundle);
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

  private static String read(String where) throws IOException, InterruptedException {
    if (where.startsWith("http://") || where.startsWith("https://")) {
      HttpClient client =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      HttpResponse<byte[]> resp =
          client.send(
              HttpRequest.newBuilder(URI.create(where)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (resp.statusCode() != 200) {
        throw new IOException("bundle URL " + where + " answered HTTP " + resp.statusCode());
      }
      if (resp.body().length > MAX_BUNDLE_BYTES) {
        throw new IOException("bundle from " + where + " is larger than 1 MiB");
      }
      return new String(resp.body(), java.nio.charset.StandardCharsets.UTF_8);
    }
    Path p = Path.of(where);
    if (Files.size(p) > MAX_BUNDLE_BYTES) {
      throw new IOException("bundle file " + where + " is larger than 1 MiB");
    }
    return Files.readString(p);
  }
}
