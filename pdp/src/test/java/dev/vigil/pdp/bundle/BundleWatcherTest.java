package dev.vigil.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.rego.value.Json;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleWatcherTest {

  @TempDir Path tmp;

  private static byte[] archive(String rego, String revision) {
    return TarArchive.toBytes(
        new java.util.LinkedHashMap<>(
            Map.of(
                ".manifest",
                    ("{\"revision\":\"" + revision + "\"}").getBytes(StandardCharsets.UTF_8),
                "authz.rego", rego.getBytes(StandardCharsets.UTF_8))));
  }

  private static boolean allowed(DecisionPoint pdp) {
    return pdp.decide("authz/allow", Json.parse("{}")).allowed();
  }

  @Test
  void file_corruptedAfterLoad_refusedAndPreviousKeepsServing() throws Exception {
    Path file = tmp.resolve("bundle.tar.gz");
    Files.write(file, archive("package authz\nallow := true\n", "r1"));
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    BundleWatcher w =
        new BundleWatcher(file.toString(), Duration.ofSeconds(1), null, pdp::activate);

    assertThat(w.loadNow()).isTrue();
    assertThat(allowed(pdp)).isTrue();

    Files.write(file, "not a bundle at all, just garbage bytes".getBytes(StandardCharsets.UTF_8));
    assertThat(w.loadNow()).isFalse();
    assertThat(w.lastError()).contains("bundle.tar.gz").contains("not a gzip file");
    assertThat(allowed(pdp)).isTrue();
    assertThat(pdp.revision()).isEqualTo("r1");

    Files.write(file, archive("package authz\nallow if {\n", "r2"));
    assertThat(w.loadNow()).isFalse();
    assertThat(w.lastError()).contains("rego_parse_error");
    assertThat(pdp.revision()).isEqualTo("r1");

    Files.write(file, archive("package authz\nallow := false\n", "r3"));
    assertThat(w.loadNow()).isTrue();
    assertThat(allowed(pdp)).isFalse();
    assertThat(pdp.revision()).isEqualTo("r3");
  }

  @Test
  void directory_changedFile_reloads() throws Exception {
    Path dir = tmp.resolve("policy");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("authz.rego"), "package authz\nallow := true\n");
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    BundleWatcher w = new BundleWatcher(dir.toString(), Duration.ofSeconds(1), null, pdp::activate);
    assertThat(w.loadNow()).isTrue();
    assertThat(w.loadNow()).as("unchanged directory is not reloaded").isFalse();

    Files.writeString(dir.resolve("authz.rego"), "package authz\nallow := 1 == 2\n");
    Files.setLastModifiedTime(
        dir.resolve("authz.rego"),
        java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));

    assertThat(w.loadNow()).isTrue();
    assertThat(allowed(pdp)).isFalse();
  }

  @Test
  void http_pollsWithEtag_andKeepsServingOnServerErrors() throws Exception {
    AtomicReference<byte[]> body =
        new AtomicReference<>(archive("package authz\nallow := true\n", "v1"));
    AtomicReference<String> etag = new AtomicReference<>("\"v1\"");
    AtomicInteger status = new AtomicInteger(200);
    AtomicInteger notModified = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/bundle.tar.gz",
        ex -> {
          if (status.get() != 200) {
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
            return;
          }
          if (etag.get().equals(ex.getRequestHeaders().getFirst("If-None-Match"))) {
            notModified.incrementAndGet();
            ex.sendResponseHeaders(304, -1);
            ex.close();
            return;
          }
          ex.getResponseHeaders().set("ETag", etag.get());
          ex.sendResponseHeaders(200, body.get().length);
          try (OutputStream os = ex.getResponseBody()) {
            os.write(body.get());
          }
        });
    server.start();
    try {
      String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/bundle.tar.gz";
      DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
      BundleWatcher w = new BundleWatcher(url, Duration.ofSeconds(1), null, pdp::activate);

      assertThat(w.loadNow()).isTrue();
      assertThat(w.loadNow()).isFalse();
      assertThat(notModified.get()).isEqualTo(1);

      status.set(503);
      assertThat(w.loadNow()).isFalse();
      assertThat(w.lastError()).contains("HTTP 503");
      assertThat(allowed(pdp)).isTrue();

      status.set(200);
      body.set(archive("package authz\nallow := false\n", "v2"));
      etag.set("\"v2\"");
      assertThat(w.loadNow()).isTrue();
      assertThat(pdp.revision()).isEqualTo("v2");
      assertThat(allowed(pdp)).isFalse();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void signedBundleRequired_unsignedRefused() throws Exception {
    Path file = tmp.resolve("unsigned.tar.gz");
    Files.write(file, archive("package authz\nallow := true\n", "r1"));
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    var key =
        new BundleSignatures.VerificationKey(
            null, "HS256", "a-shared-secret-of-at-least-32-bytes!!", null);
    BundleWatcher w = new BundleWatcher(file.toString(), Duration.ofSeconds(1), key, pdp::activate);

    assertThat(w.loadNow()).isFalse();
    assertThat(w.lastError()).contains("not signed");
    assertThat(allowed(pdp)).isFalse();
  }

  @Test
  void builtWithHmac_verifies() throws Exception {
    Path dir = tmp.resolve("src");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("authz.rego"), "package authz\nallow := true\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BundleBuilder.build(
        dir,
        new BundleBuilder.Options(
            "r9", List.of("authz"), "HS256", "a-shared-secret-of-at-least-32-bytes!!", null),
        out);
    Path file = tmp.resolve("signed.tar.gz");
    Files.write(file, out.toByteArray());
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    var key =
        new BundleSignatures.VerificationKey(
            null, "HS256", "a-shared-secret-of-at-least-32-bytes!!", null);

    BundleWatcher w = new BundleWatcher(file.toString(), Duration.ofSeconds(1), key, pdp::activate);

    assertThat(w.loadNow()).isTrue();
    assertThat(allowed(pdp)).isTrue();
  }
}
