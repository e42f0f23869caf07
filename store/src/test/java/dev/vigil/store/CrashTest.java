package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that is writing decisions with SIGKILL and checks that every decision it had
 * acknowledged as logged is in the store afterwards, and that the store opens cleanly.
 */
class CrashTest {

  @TempDir Path tmp;

  @Test
  void sigkill_duringSteadyWrites_sqliteKeepsEveryAcknowledgedDecision() throws Exception {
    Path dir = tmp.resolve("data");
    Set<String> acked = runAndKill(List.of("sqlite", dir.toString()));

    try (Store store = Store.open(StoreLocation.embedded(dir))) {
      assertThat(store.checkIntegrity()).isEqualTo("ok");
      assertEveryAckStored(store, acked);
    }
  }

  @Test
  void sigkill_duringSteadyWrites_postgresKeepsEveryAcknowledgedDecision() throws Exception {
    StoreLocation loc = TestStores.freshPostgres();
    String url = TestStores.PG_BASE + "?currentSchema=" + schemaOf(loc);
    Set<String> acked = runAndKill(List.of("postgresql", url));

    try (Store store = Store.open(StoreLocation.parse(url))) {
      assertEveryAckStored(store, acked);
    }
  }

  private static String schemaOf(StoreLocation loc) {
    String url = loc.jdbcUrl();
    return url.substring(url.indexOf("currentSchema=") + "currentSchema=".length());
  }

  private static void assertEveryAckStored(Store store, Set<String> acked) {
    DecisionReader reader = new DecisionReader(store);
    Set<String> missing = new HashSet<>();
    for (String id : acked) {
      if (reader.get(id).isEmpty()) {
        missing.add(id);
      }
    }
    assertThat(acked).as("decisions acknowledged before the kill").hasSizeGreaterThan(500);
    assertThat(missing).as("acknowledged but lost").isEmpty();
    assertThat(reader.count()).isGreaterThanOrEqualTo(acked.size());
  }

  /** Starts the writer, lets it run until it has acknowledged enough, then kills it. */
  private static Set<String> runAndKill(List<String> args) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                java, "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    Set<String> acked = new HashSet<>();
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acked.add(line.substring(4));
        }
        if (acked.size() >= 3_000 || System.nanoTime() > deadline) {
          break;
        }
      }
      // SIGKILL through the process handle, which (unlike Process.destroyForcibly) leaves the
      // pipe open so that acknowledgements already written can still be read.
      p.toHandle().destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
      // Acknowledgements already in the pipe were printed before the kill: they count too.
      while ((line = r.readLine()) != null) {
        if (line.startsWith("ack ")) {
          acked.add(line.substring(4));
        }
      }
    } finally {
      p.destroyForcibly();
    }
    assertThat(p.exitValue()).as("killed by SIGKILL").isEqualTo(137);
    return acked;
  }
}
