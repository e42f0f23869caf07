package dev.vigil.cli;

import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code --data-dir} and {@code --store} options shared by commands that use the store.
 *
 * <p>Opening an embedded store creates it when it is missing, which only a command that sets up a
 * node may do ({@code vigil up}, the servers, {@code vigil identity issue}). Every command that
 * works on an existing node's data opens it with {@link #openExisting}, so that a mistyped {@code
 * --data-dir} is refused instead of silently starting a second, empty store.
 */
final class StoreOptions {

  static final Path DEFAULT_DATA_DIR = Path.of("vigil-data");

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

  /** The command (or option group) these options are mixed into, to refuse a wrong use of them. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  /**
   * Returns where the store is.
   *
   * @throws IllegalArgumentException for a bad {@code --store} URL
   * @throws ParameterException when both options are given: bad usage, which picocli answers with
   *     exit status 2 as it does other misused options
   */
  StoreLocation location() {
    if (store != null && dataDir != null) {
      throw new ParameterException(mixee.commandLine(), "give --data-dir or --store, not both");
    }
    if (store != null) {
      return StoreLocation.parse(store);
    }
    return StoreLocation.embedded(dataDir == null ? DEFAULT_DATA_DIR : dataDir);
  }

  /** Opens the store, creating it when it is missing; for commands that set up a node. */
  Store openOrCreate() {
    return Store.open(location());
  }

  /**
   * Opens the store of an existing node; the caller closes it.
   *
   * @throws StoreException when an SQLite store is not there; nothing is created then
   * @throws IllegalArgumentException for a bad {@code --store} URL
   */
  Store openExisting() {
    requireExisting();
    return Store.open(location());
  }

  /**
   * Checks that the store is there, creating nothing. A PostgreSQL store is taken as there: its
   * schema is made or brought up to date when it is opened.
   *
   * @throws StoreException naming the data directory and how to create a store in it
   * @throws IllegalArgumentException for a bad {@code --store} URL
   */
  void requireExisting() {
    requireExisting(location());
  }

  /**
   * Opens the store of an existing node: the one the options name, or when they name none, {@code
   * configured} (the store of the node's configuration file).
   *
   * @throws StoreException when an SQLite store is not there; nothing is created then
   * @throws IllegalArgumentException for a bad {@code --store} URL, or both options
   */
  Store openExisting(StoreLocation configured) {
    StoreLocation where = store == null && dataDir == null ? configured : location();
    requireExisting(where);
    return Store.open(where);
  }

  /**
   * Opens the store of an existing node: the one the options name, or when they name none, the
   * store of the configuration file {@code config} ({@code data_dir}, {@code store}), or without
   * one the default data directory.
   *
   * @throws StoreException when an SQLite store is not there; nothing is created then
   * @throws dev.vigil.gateway.config.ConfigException naming the file, line and key of a bad value
   */
  Store openExisting(Path config) {
    return config == null ? openExisting() : openExisting(NodeConfigs.read(config).storeLocation());
  }

  private void requireExisting(StoreLocation where) {
    Path file = where.sqliteFile();
    if (file == null || Files.isRegularFile(file)) {
      return;
    }
    if (store != null) {
      throw new StoreException(
          "no Vigil store at " + file + "; check --store (vigil up --data-dir DIR creates one)");
    }
    Path dir = file.getParent();
    throw new StoreException(
        "no Vigil store in data directory "
            + dir
            + " (no "
            + file.getFileName()
            + "); check --data-dir, or create one with: vigil up --data-dir "
            + dir);
  }
}
