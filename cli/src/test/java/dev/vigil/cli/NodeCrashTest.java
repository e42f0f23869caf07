package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.store.DecisionReader;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a running {@code vigil pdp} node with SIGKILL while decisions stream in, then checks that
 * every decision the node had reported durable is in the store and that the store opens cleanly.
 */
class NodeCrashTest {

  private static final Pattern LISTENING = Pattern.compile("REST API on http://([^:]+):(\\d+)");
  private static final String INPUT =
      "{\"input\":{\"user\":{\"role\":\"dev\"},\"resource\":{\"environment\":\"production\"},"
          + "\"action\":\"read\"}}";

  @TempDir Path tmp;
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_node_");
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void sigkill_sqliteNode_keepsEveryDurableDecision() throws Exception {
    Path data = tmp.resolve("data");
    Set<String> durable = streamAndKill(List.of("--data-dir", data.toString()));

    try (Store store = Store.open(StoreLocation.embedded(data))) {
      assertThat(store.checkIntegrity()).isEqualTo("ok");
      assertAllStored(store, durable);
    }
  }

  @Test
  void sigkill_postgresNode_keepsEveryDurableDecision() throws Exception {
    String url = schemas.createUrl();
    Set<String> durable = streamAndKill(List.of("--store", url));

    try (Store store = Store.open(StoreLocation.parse(url))) {
      assertAllStored(store, durable);
    }
  }

  private static void assertAllStored(Store store, Set<String> durable) {
    DecisionReader reader = new DecisionReader(store);
    List<String> missing = new ArrayList<>();
    for (String id : durable) {
      if (reader.get(id).isEmpty()) {
        missing.add(id);
      }
    }
    assertThat(durable).as("decisions reported durable before the kill").hasSizeGreaterThan(200);
    assertThat(missing).as("durable decisions lost by the crash").isEmpty();
  }

  private Set<String> streamAndKill(List<String> storeArgs) throws Exception {
    Path bundle = tmp.resolve("bundle");
    Files.createDirectories(bundle);
    Files.writeString(
        bundle.resolve("authz.rego"), Files.readString(Path.of("../examples/authz/authz.rego")));
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "pdp",
                "--v0-compatible",
                "--bundle",
                bundle.toString(),
                "--addr",
                "127.0.0.1:0"));
    cmd.addAll(storeArgs);
    Process node = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String base = awaitAddress(node);
      Set<String> all = ConcurrentHashMap.newKeySet();
      // Phase 1: a steady stream, then wait until the node reports nothing left to write.
      stream(base, all, 2_000);
      awaitDrained(base);
      Set<String> durable = Set.copyOf(all);
      // Phase 2: stream again and kill the node in the middle of it.
      AtomicBoolean running = new AtomicBoolean(true);
      Thread t =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        post(base, all);
                      } catch (Exception e) {
                        return;
                      }
                    }
                  });
      Thread.sleep(500);
      node.toHandle().destroyForcibly();
      node.waitFor(30, TimeUnit.SECONDS);
      running.set(false);
      t.join(10_000);
      assertThat(node.exitValue()).isEqualTo(137);
      return durable;
    } finally {
      node.destroyForcibly();
    }
  }

  private static String awaitAddress(Process node) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return "http://" + m.group(1) + ":" + m.group(2);
      }
    }
    throw new AssertionError("vigil pdp did not report its address");
  }

  private void stream(String base, Set<String> ids, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      post(base, ids);
    }
  }

  private void post(String base, Set<String> ids) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/data/authz/allow"))
                .POST(HttpRequest.BodyPublishers.ofString(INPUT))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (Json.parse(r.body()) instanceof ObjectValue o
        && o.get("decision_id") instanceof StringValue id) {
      ids.add(id.value());
    }
  }

  private void awaitDrained(String base) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      if (metrics.contains("vigil_decision_log_queued 0.0")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the decision log did not drain");
  }
}
