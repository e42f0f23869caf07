package dev.vigil.rego.conformance;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the project's shared test data (conformance and security cases). */
public final class SharedData {

  private SharedData() {}

  /**
   * Returns the shared folder: the system property {@code vigil.shared.dir} (set by the build to
   * {@code ../shared} beside the repository). Fails, never skips, when it is missing.
   */
  public static Path dir() {
    String prop = System.getProperty("vigil.shared.dir");
    Path dir = Path.of(prop == null ? "../shared" : prop).toAbsolutePath().normalize();
    if (!Files.isDirectory(dir.resolve("conformance"))) {
      throw new IllegalStateException(
          "shared test data not found at " + dir + "; set -Dvigil.shared.dir=PATH");
    }
    return dir;
  }
}
