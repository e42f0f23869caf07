package dev.vigil.cli;

import dev.vigil.identity.Identities;
import dev.vigil.identity.JwtSvid;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.X509Svid;
import dev.vigil.store.Store;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vigil identity issue}: issues an X.509-SVID into a directory (svid.pem, svid.key,
 * bundle.pem), or with {@code --jwt-audience} prints a JWT-SVID.
 */
@Command(
    name = "issue",
    mixinStandardHelpOptions = true,
    description =
        "Issue an X.509-SVID: writes svid.pem (leaf first), svid.key and bundle.pem to --out;"
            + " creates the trust domain's CA on first use, and the store if there is none.")
final class IdentityIssueCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin IdentityOptions options;

  @Option(names = "--spiffe-id", required = true, paramLabel = "ID", description = "SPIFFE ID.")
  String spiffeId;

  @Option(names = "--out", paramLabel = "DIR", description = "Directory for the X.509-SVID files.")
  Path out;

  @Option(names = "--dns", paramLabel = "NAME", description = "DNS name to add (repeatable).")
  List<String> dns = List.of();

  @Option(names = "--ttl", paramLabel = "DURATION", description = "Lifetime, e.g. 30m.")
  String ttl;

  @Option(
      names = "--jwt-audience",
      paramLabel = "AUD",
      description = "Print a JWT-SVID for this audience instead (repeatable).")
  List<String> jwtAudience;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    SpiffeId id;
    Duration lifetime;
    try {
      id = SpiffeId.parse(spiffeId);
      lifetime = ttl == null ? null : Durations.positive("--ttl", ttl);
    } catch (IllegalArgumentException e) {
      err.println("vigil identity issue: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    if ((out == null) == (jwtAudience == null)) {
      err.println("vigil identity issue: give --out DIR for an X.509-SVID or --jwt-audience AUD");
      return Vigil.EXIT_USAGE;
    }
    try (Store st = options.openOrCreateStore()) {
      Identities ids = options.identities(st, err);
      X509Svid svid;
      try {
        if (jwtAudience != null) {
          JwtSvid jwt = ids.issueJwt(id, jwtAudience, lifetime);
          spec.commandLine().getOut().println(jwt.token());
          return 0;
        }
        svid = ids.issueX509(id, dns, lifetime);
      } catch (IllegalArgumentException e) {
        // What was asked for cannot be issued (an ID without a path, a bad DNS name or key type).
        err.println("vigil identity issue: " + e.getMessage());
        return Vigil.EXIT_USAGE;
      }
      write(svid, ids.bundle(id.trustDomain()).orElseThrow().x509AuthoritiesPem());
      spec.commandLine()
          .getOut()
          .printf(
              "issued %s serial %s expires %s into %s%n",
              id, svid.serial().toString(16), svid.expiry(), out);
      return 0;
    }
  }

  /**
   * Writes the key, the chain and the bundle, each to a temporary file first and all three before
   * any is moved in place, so that a failure (a full disk, a file that cannot be replaced) leaves
   * the SVID already in {@code out} whole, never a new chain beside the old key.
   */
  private void write(X509Svid svid, String bundlePem) throws IOException {
    Files.createDirectories(out);
    Map<Path, Path> staged = new LinkedHashMap<>();
    try {
      staged.put(stage("svid.key", svid.privateKeyPem(), true), out.resolve("svid.key"));
      staged.put(stage("svid.pem", svid.chainPem(), false), out.resolve("svid.pem"));
      staged.put(stage("bundle.pem", bundlePem, false), out.resolve("bundle.pem"));
      for (Path file : staged.values()) {
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
          throw new FileSystemException(file.toString(), null, "is a directory, not a file");
        }
      }
      for (Map.Entry<Path, Path> e : staged.entrySet()) {
        Files.move(
            e.getKey(),
            e.getValue(),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      }
    } finally {
      for (Path tmp : staged.keySet()) {
        Files.deleteIfExists(tmp);
      }
    }
  }

  private Path stage(String name, String text, boolean secret) throws IOException {
    Path tmp = out.resolve("." + name + ".tmp");
    Files.deleteIfExists(tmp);
    if (secret) {
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
    } else {
      Files.createFile(tmp);
    }
    Files.writeString(tmp, text, StandardOpenOption.TRUNCATE_EXISTING);
    return tmp;
  }
}
