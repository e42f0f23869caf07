package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store options, misused, are bad usage for every command that takes them. */
class StoreOptionsUsageTest {

  @TempDir Path tmp;

  /**
   * Regression: {@code --data-dir} and {@code --store} together ended with exit status 1, which
   * these commands give when the store cannot be read, so a script could not tell its own mistake
   * from a store that is down. Now it is usage (2), as a misused option is everywhere else, and
   * nothing is opened or created.
   */
  @Test
  void storeCommands_dataDirAndStoreBoth_exitTwoNamingBoth() throws Exception {
    Path bundle = Files.createDirectories(tmp.resolve("bundle"));
    Files.writeString(bundle.resolve("authz.rego"), "package authz\n\nallow := true\n");
    Path dir = tmp.resolve("data");
    List<List<String>> commands =
        List.of(
            List.of("logs"),
            List.of("logs", "--prune-before", "30d"),
            List.of("insight", "graph"),
            List.of("insight", "denied"),
            List.of("insight", "inventory"),
            List.of("insight", "replay", "--bundle", bundle.toString()),
            List.of("insight", "next-step", "echo", "--mode", "monitor"),
            List.of("access", "list"),
            List.of("access", "trail", "gr-1"),
            List.of("identity", "entry", "list"),
            List.of("identity", "bundle", "prod.example"));
    for (List<String> command : commands) {
      List<String> args = new ArrayList<>(command);
      args.addAll(List.of("--data-dir", dir.toString(), "--store", "sqlite:" + dir + "/x.db"));

      CliRun r = CliRun.of(args.toArray(String[]::new));

      assertThat(r.status()).as("%s: %s", command, r.err()).isEqualTo(2);
      assertThat(r.err()).as("%s", command).contains("give --data-dir or --store, not both");
    }
    assertThat(dir).doesNotExist();
  }
}
