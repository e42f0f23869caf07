package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./vigil} launcher script, run from a copy of the checkout's root. */
class LauncherTest {

  @TempDir Path root;

  /**
   * Regression: the launcher runs a copy of {@code cli/target/vigil.jar} made with {@code mktemp},
   * which creates it readable by its owner only, so that after one run as the user who built Vigil
   * every other user failed with "Unable to access jarfile", as {@code sudo -u orders vigil
   * sidecar} in docs/sidecar.md's worked example does.
   */
  @Test
  void launch_copyOfTheJar_readableByWhoeverCanReadTheJar() throws Exception {
    Path checkout = Path.of("").toAbsolutePath().getParent();
    Files.createDirectories(root.resolve("scripts"));
    Files.copy(checkout.resolve("vigil"), root.resolve("vigil"));
    Files.copy(checkout.resolve("scripts/jdk.sh"), root.resolve("scripts/jdk.sh"));
    Path jar = Files.createDirectories(root.resolve("cli/target")).resolve("vigil.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "NoSuchMain");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      // An empty jar: the launcher copies it before java is started, which then fails.
    }
    Set<PosixFilePermission> readable = PosixFilePermissions.fromString("rw-r--r--");
    Files.setPosixFilePermissions(jar, readable);

    Process p =
        new ProcessBuilder(List.of("bash", root.resolve("vigil").toString(), "--version"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    List<Path> copies;
    try (Stream<Path> s = Files.list(root.resolve("cli/target/launch"))) {
      copies = s.filter(f -> f.getFileName().toString().startsWith("vigil-")).toList();
    }
    assertThat(copies).hasSize(1);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copies.getFirst())))
        .isEqualTo("rw-r--r--");
  }
}
