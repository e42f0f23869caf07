package dev.vigil.cli;

import dev.vigil.identity.BundleEndpoint;
import dev.vigil.identity.Identities;
import dev.vigil.identity.TrustDomain;
import dev.vigil.store.Store;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil identity bundle-endpoint TD}: serves the trust domain's bundle over HTTPS. */
@Command(
    name = "bundle-endpoint",
    mixinStandardHelpOptions = true,
    description =
        "Serve a trust domain's SPIFFE bundle over HTTPS: https_web with --cert/--key, or"
            + " https_spiffe with --spiffe (an SVID of the trust domain itself).")
final class IdentityBundleEndpointCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Parameters(paramLabel = "TRUST_DOMAIN")
  String trustDomain;

  @Option(names = "--listen", defaultValue = "127.0.0.1:8443", paramLabel = "HOST:PORT")
  String listen;

  @Option(names = "--cert", paramLabel = "PEM", description = "https_web: certificate chain.")
  Path cert;

  @Option(names = "--key", paramLabel = "PEM", description = "https_web: PKCS#8 private key.")
  Path key;

  @Option(names = "--spiffe", description = "https_spiffe: serve with the domain's own SVID.")
  boolean spiffe;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    TrustDomain td;
    InetSocketAddress address;
    try {
      td = TrustDomain.parse(trustDomain);
      Addresses a = Addresses.parse(listen, "--listen");
      address = new InetSocketAddress(a.host(), a.port());
      if (spiffe == (cert != null || key != null) || (!spiffe && (cert == null || key == null))) {
        throw new IllegalArgumentException("give either --cert and --key, or --spiffe");
      }
    } catch (IllegalArgumentException e) {
      err.println("vigil identity bundle-endpoint: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    Store st = options.openExistingStore();
    BundleEndpoint endpoint;
    try {
      Identities ids = options.identities(st, err);
      if (ids.existing(td).isEmpty()) {
        throw new IllegalArgumentException("trust domain \"" + td + "\" does not exist here");
      }
      endpoint =
          spiffe
              ? BundleEndpoint.httpsSpiffe(address, ids, td, InstantSource.system())
              : BundleEndpoint.httpsWeb(address, td, ids.bundles(), cert, key);
    } catch (IllegalArgumentException e) {
      st.close();
      err.println("vigil identity bundle-endpoint: " + e.getMessage());
      return 1;
    } catch (java.io.IOException e) {
      st.close();
      err.println(
          "vigil identity bundle-endpoint: cannot listen on "
              + listen
              + ": "
              + dev.vigil.pdp.BindFailure.reason(e));
      return 1;
    }
    spec.commandLine()
        .getOut()
        .println("vigil identity: bundle of " + td + " at " + endpoint.uri());
    spec.commandLine().getOut().flush();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  endpoint.close();
                  st.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }
}
