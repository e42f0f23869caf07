package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.access.DeviceAgent;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: the device key and certificate went to {@code user.home}, which the JVM reads from
 * the password database, so a changed {@code $HOME} (a service account, a test, sudo -E) was
 * ignored. The default now follows {@code $XDG_CONFIG_HOME}, then {@code $HOME}.
 */
class DeviceDirDefaultTest {

  @TempDir Path tmp;

  @Test
  void standard_xdgConfigHomeSet_isUsed() {
    Path d =
        DeviceCommand.DeviceDir.standard(
            Map.of("XDG_CONFIG_HOME", "/x/conf", "HOME", "/h"), "/passwd");

    assertThat(d).isEqualTo(Path.of("/x/conf/vigil/device"));
  }

  @Test
  void standard_onlyHomeSet_isHomeDotConfig() {
    assertThat(DeviceCommand.DeviceDir.standard(Map.of("HOME", "/h"), "/passwd"))
        .isEqualTo(Path.of("/h/.config/vigil/device"));
  }

  @Test
  void standard_xdgEmptyOrRelative_fallsBackToHome() {
    assertThat(DeviceCommand.DeviceDir.standard(Map.of("XDG_CONFIG_HOME", "", "HOME", "/h"), "/p"))
        .isEqualTo(Path.of("/h/.config/vigil/device"));
    assertThat(
            DeviceCommand.DeviceDir.standard(Map.of("XDG_CONFIG_HOME", "conf", "HOME", "/h"), "/p"))
        .isEqualTo(Path.of("/h/.config/vigil/device"));
  }

  @Test
  void standard_neitherSet_isUserHome() {
    assertThat(DeviceCommand.DeviceDir.standard(Map.of(), "/passwd"))
        .isEqualTo(Path.of("/passwd/.config/vigil/device"));
  }

  @Test
  void enroll_homeChangedInTheEnvironment_keepsTheKeyUnderIt() throws Exception {
    Path node = tmp.resolve("node");
    Store.open(StoreLocation.embedded(node)).close();
    Path home = tmp.resolve("home");
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "device",
                "enroll",
                "--data-dir",
                node.toString(),
                "--name",
                "home-test")
            .redirectErrorStream(true);
    pb.environment().put("HOME", home.toString());
    pb.environment().remove("XDG_CONFIG_HOME");
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).as(output).isZero();
    Path deviceDir = home.resolve(".config/vigil/device");
    assertThat(output).contains("key         " + deviceDir.resolve(DeviceAgent.KEY));
    assertThat(deviceDir.resolve(DeviceAgent.KEY)).isRegularFile();
    assertThat(deviceDir.resolve(DeviceAgent.CERT)).isRegularFile();
  }
}
