package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil pdp} takes policy and data writes only with {@code --api-token-file}, and then only
 * from clients that show its token. Before, any process of the host could upload a policy that
 * allowed everything to a decision point started without a bundle.
 */
class PdpApiTokenTest {

  private static final Pattern LISTENING = Pattern.compile("REST API on (http://[^ ]+)");
  private static final String ALLOW_ALL = "package authz\nallow := true\n";

  @TempDir Path tmp;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void pdp_withTokenFile_makesIt_andTakesWritesOnlyWithIt() throws Exception {
    Path file = tmp.resolve("api.token");
    Process node = start("--api-token-file", file.toString());
    try {
      String base = awaitAddress(node);
      String token = Files.readString(file).strip();

      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(put(base, null).statusCode()).isEqualTo(401);
      assertThat(allow(base)).doesNotContain("\"result\"");
      assertThat(put(base, "Bearer " + token).statusCode()).isEqualTo(200);
      assertThat(allow(base)).contains("\"result\":true");
    } finally {
      node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void pdp_withoutTokenFile_takesNoWrites() throws Exception {
    Process node = start();
    try {
      String base = awaitAddress(node);

      HttpResponse<String> r = put(base, "Bearer vat_anything-at-all-000000000000");

      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(allow(base)).doesNotContain("\"result\"");
    } finally {
      node.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void pdp_tokenFileNotHoldingAToken_exitsWithUsageNamingIt() throws Exception {
    Path file = tmp.resolve("api.token");
    Files.writeString(file, "x y\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

    CliRun r =
        CliRun.of(
            "pdp", "--data-dir", tmp.resolve("d").toString(), "--api-token-file", file.toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains("--api-token-file").contains(file.toString());
  }

  @Test
  void pdp_tokenFileOthersMayRead_exitsWithUsageNamingIt() throws Exception {
    Path file = tmp.resolve("api.token");
    Files.writeString(file, "vat_a-token-an-operator-wrote-by-hand-0000\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    CliRun r =
        CliRun.of(
            "pdp", "--data-dir", tmp.resolve("d").toString(), "--api-token-file", file.toString());

    assertThat(r.status()).isEqualTo(Vigil.EXIT_USAGE);
    assertThat(r.err()).contains(file.toString()).contains("chmod 600");
  }

  private Process start(String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Vigil.class.getName(),
                "pdp",
                "--addr",
                "127.0.0.1:0",
                "--data-dir",
                tmp.resolve("data").toString()));
    cmd.addAll(List.of(extra));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  private HttpResponse<String> put(String base, String authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/policies/p"))
            .PUT(HttpRequest.BodyPublishers.ofString(ALLOW_ALL));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String allow(String base) throws Exception {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/v1/data/authz/allow"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}"))
            .build();
    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static String awaitAddress(Process node) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return m.group(1);
      }
    }
    throw new AssertionError("vigil pdp stopped before it listened");
  }
}
