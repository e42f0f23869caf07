package dev.vigil.cli;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.config.ConfigException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The {@code --config} option of {@code vigil insight}: the routes of a node's vigil.yaml. */
final class ConfiguredRoutes {

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description =
          "The node's vigil.yaml: its routes and their modes (routes without traffic, routes by"
              + " mode).")
  Path file;

  /**
   * The routes the file configures, by name in its order, each with its mode ({@code observe},
   * {@code monitor}, {@code enforce}), read as {@link NodeConfigs#read} reads them; null without
   * {@code --config}.
   *
   * @throws ConfigException naming the file, or its line and key
   */
  Map<String, String> modes() {
    if (file == null) {
      return null;
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Route r : NodeConfigs.read(file).routes()) {
      out.put(r.name(), r.mode().label());
    }
    return out;
  }
}
