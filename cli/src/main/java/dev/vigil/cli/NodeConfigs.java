package dev.vigil.cli;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.demo.DemoUsers;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a node's vigil.yaml for a command that only looks at it, as the insight commands do. */
final class NodeConfigs {

  private NodeConfigs() {}

  /**
   * Reads {@code file} as {@code vigil up} does. The file may be a {@code --demo} node's, whose
   * entitlements name the demo's people as approvers: they count as configured here.
   *
   * @throws ConfigException naming {@code --config} and the file when it is not there, or the file,
   *     line and key of what is wrong in it
   */
  static VigilConfig read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--config " + file + ": no such configuration file");
    }
    return VigilConfig.read(file, null, DemoUsers.approvers());
  }
}
