package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: {@code vigil device token --data-dir <typo>} made a brand-new empty store (and a CA
 * key) in the mistyped directory and handed out a token nobody's node would accept. The device
 * commands that work on a node's store now refuse a directory without one and create nothing.
 */
class DeviceMissingStoreTest {

  @TempDir Path tmp;

  private static CliRun run(List<String> args) {
    return CliRun.of(args.toArray(String[]::new));
  }

  private static List<String> with(List<String> args, String... more) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of(more));
    return all;
  }

  private static void assertRefused(CliRun r, Path typo) {
    assertThat(r.status()).as(r.err()).isEqualTo(1);
    assertThat(r.err().strip())
        .isEqualTo(
            "vigil: no Vigil store in data directory "
                + typo
                + " (no vigil.db); check --data-dir, or create one with: vigil up --data-dir "
                + typo);
    assertThat(r.out()).doesNotContain("vdt_");
    assertThat(typo).doesNotExist();
  }

  @Test
  void storeCommands_dataDirWithoutStore_refusedCreatingNothing() {
    Path typo = tmp.resolve("vigil-dta");
    List<List<String>> commands =
        List.of(
            List.of("device", "token", "--label", "laptop"),
            List.of("device", "list"),
            List.of("device", "revoke", "dev-00000000000000000000"));

    for (List<String> command : commands) {
      assertRefused(run(with(command, "--data-dir", typo.toString())), typo);
    }
  }

  @Test
  void enroll_onStoreWithoutStore_refusedBeforeTheDeviceDirIsMade() {
    Path typo = tmp.resolve("vigil-dta");
    Path deviceDir = tmp.resolve("device");

    CliRun r =
        CliRun.of(
            "device", "enroll", "--data-dir", typo.toString(), "--device-dir", deviceDir + "");

    assertRefused(r, typo);
    assertThat(deviceDir).doesNotExist();
  }

  @Test
  void report_onStoreWithoutStore_refusedCreatingNothing() throws Exception {
    Path node = tmp.resolve("node");
    Store.open(StoreLocation.embedded(node)).close();
    Path deviceDir = tmp.resolve("device");
    CliRun enrolled =
        CliRun.of("device", "enroll", "--data-dir", node + "", "--device-dir", deviceDir + "");
    assertThat(enrolled.status()).as(enrolled.err()).isZero();
    Path typo = tmp.resolve("nod");

    CliRun r =
        CliRun.of(
            "device",
            "report",
            "--data-dir",
            typo.toString(),
            "--device-dir",
            deviceDir.toString(),
            "--disk-encrypted",
            "true");

    assertRefused(r, typo);
  }

  @Test
  void token_sqliteStoreUrlWithoutFile_refusedCreatingNothing() {
    Path typo = tmp.resolve("nowhere").resolve("vigil.db");

    CliRun r = CliRun.of("device", "token", "--store", "sqlite:" + typo);

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).contains("no Vigil store at " + typo).contains("check --store");
    assertThat(typo.getParent()).doesNotExist();
  }

  @Test
  void caKeys_dataDirMissing_createsNoDirectory() {
    Path typo = tmp.resolve("vigil-dta");

    assertThatThrownBy(() -> CaKeys.cipher(Map.of(), typo, null))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(typo).doesNotExist();
  }

  @Test
  void token_existingStore_stillWorks() throws Exception {
    Path node = tmp.resolve("node");
    Store.open(StoreLocation.embedded(node)).close();

    CliRun r = CliRun.of("device", "token", "--data-dir", node.toString());

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("vdt_");
    assertThat(Files.exists(node.resolve(CaKeys.FILE))).isTrue();
  }
}
