package dev.vigil.cli;

import dev.vigil.store.StoreLocation;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --data-dir} and {@code --store} options shared by commands that use the store. */
final class StoreOptions {

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Data directory of the embedded store (default: ./vigil-data).")
  Path dataDir;

  @Option(
      names = "--store",
      paramLabel = "URL",
      description = "A shared store instead: postgresql://HOST:PORT/DB?user=U")
  String store;

  /** Returns where the store is; throws IllegalArgumentException for a bad URL or both set. */
  StoreLocation location() {
    if (store != null && dataDir != null) {
      throw new IllegalArgumentException("give --data-dir or --store, not both");
    }
    if (store != null) {
      return StoreLocation.parse(store);
    }
    return StoreLocation.embedded(dataDir == null ? Path.of("vigil-data") : dataDir);
  }
}
