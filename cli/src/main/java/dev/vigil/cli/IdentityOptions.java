package dev.vigil.cli;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.KeyType;
import dev.vigil.store.Store;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.InstantSource;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by the identity commands: where the store is and how CA keys are sealed. */
final class IdentityOptions {

  @Mixin StoreOptions store;

  @Option(
      names = "--ca-key-file",
      paramLabel = "FILE",
      description =
          "File holding the 32-byte key that encrypts CA private keys (64 hex digits or base64);"
              + " default: the VIGIL_CA_KEY environment variable, else the data directory's"
              + " ca.key when vigil up made one.")
  Path caKeyFile;

  @Option(
      names = "--insecure-dev",
      description =
          "INSECURE, development only: store CA private keys unencrypted when no key is set.")
  boolean insecureDev;

  @Option(
      names = "--key-type",
      paramLabel = "TYPE",
      description =
          "Key type of trust domains created now: ec-p256 (default), ec-p384, rsa-2048 or"
              + " rsa-3072; an existing trust domain keeps its own.")
  String keyType;

  /** Opens the store of an existing node, refusing a data directory without one. */
  Store openExistingStore() {
    return store.openExisting();
  }

  /** Opens the store, creating it when missing; only for commands that set up a node. */
  Store openOrCreateStore() {
    return store.openOrCreate();
  }

  /**
   * Opens the store for a command that sets up a node (registering its first workloads), creating
   * it when missing and saying so on {@code err}: a new node's first step works, and a mistyped
   * {@code --data-dir} shows at once instead of leaving entries where no agent reads them.
   */
  Store openOrCreateStoreSaying(PrintWriter err, String command) {
    Path file = store.location().sqliteFile();
    if (file != null && !java.nio.file.Files.exists(file)) {
      err.println(command + ": no store in " + file.getParent() + " yet; created a new one");
    }
    return store.openOrCreate();
  }

  /** Returns the identity service over {@code st}, refusing to run without a CA key. */
  Identities identities(Store st, PrintWriter err) {
    CaKeyCipher cipher;
    Path keyFile = caKeyFile != null ? caKeyFile : nodeKeyFile();
    if (keyFile == null && isBlank(System.getenv(CaKeyCipher.ENV)) && insecureDev) {
      err.println(
          "vigil: WARNING: --insecure-dev: CA private keys are stored UNENCRYPTED;"
              + " never use this mode in production");
      cipher = CaKeyCipher.insecurePlaintext();
    } else {
      cipher = CaKeyCipher.configured(System.getenv(), keyFile);
    }
    CaConfig config = CaConfig.defaults();
    if (keyType != null) {
      config = config.withKeyType(KeyType.parse(keyType));
    }
    return new Identities(st, cipher, InstantSource.system(), config);
  }

  /**
   * Returns the {@value CaKeys#FILE} that {@code vigil up} seals its CAs with in the data
   * directory, when no key is given and there is one: so that a command on a node's data directory
   * opens the CAs that node made, as the device commands do, instead of asking for a key the user
   * never set. Nothing is created here: a data directory without the file still needs a key.
   */
  private Path nodeKeyFile() {
    if (store.store != null || !isBlank(System.getenv(CaKeyCipher.ENV))) {
      return null;
    }
    Path file = store.location().sqliteFile().resolveSibling(CaKeys.FILE);
    return java.nio.file.Files.isRegularFile(file) ? file : null;
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }
}
