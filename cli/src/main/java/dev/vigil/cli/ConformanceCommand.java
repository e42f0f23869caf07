package dev.vigil.cli;

import dev.vigil.rego.conformance.ConformanceRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vigil conformance}: runs Rego conformance cases in OPA's YAML format. */
@Command(
    name = "conformance",
    mixinStandardHelpOptions = true,
    description = "Run Rego conformance cases (OPA's YAML format) and report which pass.")
final class ConformanceCommand implements Callable<Integer> {

  @Option(
      names = "--v0-compatible",
      description = "Parse every case with Rego v0 syntax (otherwise: when a path segment is v0).")
  boolean v0;

  @Parameters(arity = "1..*", paramLabel = "DIR", description = "Folders or YAML files of cases.")
  List<Path> roots;

  @Override
  public Integer call() {
    for (Path root : roots) {
      if (!Files.exists(root)) {
        System.err.println("vigil conformance: no such file or directory: " + root);
        return Vigil.EXIT_USAGE;
      }
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ConformanceRunner.Summary summary = new ConformanceRunner(v0).run(roots, out);
    return summary.failed() == 0 ? 0 : 1;
  }
}
