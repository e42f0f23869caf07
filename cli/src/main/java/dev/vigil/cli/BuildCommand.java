package dev.vigil.cli;

import dev.vigil.pdp.FileProblems;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleBuilder;
import dev.vigil.pdp.bundle.BundleException;
import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil build}: packs a directory into an OPA-format bundle, checking it compiles. */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = "Build an OPA-format bundle (.tar.gz) from a directory.")
final class BuildCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory of .rego and data files.")
  Path dir;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "bundle.tar.gz",
      description = "Bundle file to write (default: ${DEFAULT-VALUE}).")
  Path output;

  @Option(
      names = {"-r", "--revision"},
      description = "Revision to record in the manifest.")
  String revision;

  @Option(names = "--v0-compatible", description = "Check the policies with Rego v0 syntax.")
  boolean v0;

  @Option(
      names = "--signing-key",
      paramLabel = "FILE",
      description = "PEM private key (PKCS#8) or HMAC secret file to sign the bundle with.")
  Path signingKey;

  @Option(
      names = "--signing-alg",
      defaultValue = "RS256",
      description = "Signature algorithm (default: ${DEFAULT-VALUE}).")
  String signingAlg;

  @Option(names = "--signing-key-id", description = "Key id to name in the signature.")
  String keyId;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    Path tmp = null;
    try {
      String key = signingKey == null ? null : readSigningKey(signingKey);
      BundleBuilder.Options opts =
          new BundleBuilder.Options(
              revision, null, key == null ? null : signingAlg, key, keyId, v0 ? 0 : null);
      Path parent = output.toAbsolutePath().getParent();
      requireFolder(parent);
      tmp = Files.createTempFile(parent, ".vigil-build", ".tmp");
      Bundle bundle;
      try (OutputStream out = Files.newOutputStream(tmp)) {
        bundle = BundleBuilder.build(dir, opts, out);
      }
      List<Source> sources = new ArrayList<>();
      bundle.modules().forEach((p, text) -> sources.add(new Source(p, text)));
      Integer declared = bundle.manifest().regoVersion();
      boolean v0Syntax = declared != null ? declared == 0 : v0;
      Policy policy =
          Policy.compile(sources, bundle.data(), CompileOptions.defaults().withV0(v0Syntax));
      dev.vigil.rego.DataRuleConflicts.refuse(policy.modules(), bundle.data());
      dev.vigil.pdp.DecisionPoint.checkModuleRoots(bundle, v0Syntax);
      Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      tmp = null;
      spec.commandLine()
          .getOut()
          .println(
              "vigil build: wrote "
                  + output
                  + " ("
                  + bundle.modules().size()
                  + " modules"
                  + (revision == null ? "" : ", revision " + revision)
                  + (signingKey == null ? "" : ", signed")
                  + ")");
      return 0;
    } catch (RegoException e) {
      CliErrors.print(e, err);
      return 1;
    } catch (BundleException | IllegalArgumentException e) {
      err.println("vigil build: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("vigil build: " + ioProblem(e));
      return 1;
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // The temporary file is in the output's folder and named as ours; nothing else to do.
        }
      }
    }
  }

  /**
   * Names what could not be read or written: the output the user gave (never the temporary file
   * beside it) when the fault is in the output's folder, else the file of the policy folder.
   */
  private String ioProblem(IOException e) {
    Path parent = output.toAbsolutePath().normalize().getParent();
    if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
      Path met = Path.of(f.getFile()).toAbsolutePath().normalize();
      if (parent != null && (met.equals(parent) || parent.equals(met.getParent()))) {
        return "-o " + FileProblems.describe(output, e);
      }
    }
    return CliErrors.describe(e);
  }

  /**
   * Refuses an output whose folder is missing, as {@code opa build} does: nothing is created for
   * the user, so a mistyped path fails at once instead of leaving folders behind.
   */
  private void requireFolder(Path parent) {
    if (Files.isDirectory(parent)) {
      return;
    }
    Path above = parent;
    while (above != null && !Files.exists(above)) {
      above = above.getParent();
    }
    if (above != null && !Files.isDirectory(above)) {
      throw new IllegalArgumentException(
          "-o " + output + ": " + above + " is a file, not a folder");
    }
    throw new IllegalArgumentException(
        "-o " + output + ": folder " + parent + " does not exist; create it first");
  }

  /** Reads the signing key, naming the option and the file when it cannot. */
  private static String readSigningKey(Path p) {
    if (Files.isDirectory(p)) {
      throw new IllegalArgumentException("--signing-key " + p + ": is a directory, not a key file");
    }
    try {
      return Files.readString(p).strip();
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--signing-key " + p + ": no such file");
    } catch (IOException e) {
      throw new IllegalArgumentException("--signing-key " + p + ": " + CliErrors.describe(e));
    }
  }
}
