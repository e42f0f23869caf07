package dev.vigil.cli;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The routes of a node's {@code vigil.yaml}, as {@code vigil insight --config} reads them. */
final class ConfiguredRoutes {

  private ConfiguredRoutes() {}

  /**
   * The routes {@code file} configures, by name in its order, each with its mode ({@code observe},
   * {@code monitor}, {@code enforce}); reads the file as {@code vigil up} does.
   *
   * @throws ConfigException naming the file, or its line and key
   */
  static Map<String, String> modes(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new ConfigException("--config " + file + ": no such configuration file");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Route r : VigilConfig.read(file, null).routes()) {
      out.put(r.name(), r.mode().label());
    }
    return out;
  }
}
