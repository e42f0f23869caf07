package dev.vigil.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleReaderTest {

  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private void write(String rel, String text) throws Exception {
    Path p = dir.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void read_directory_mergesDataAtFolderPathsAndKeepsModules() throws Exception {
    write("authz/policy.rego", "package authz\nallow := true\n");
    write("users/data.json", "{\"alice\": {\"role\": \"sre\"}}");
    write("roles/data.yaml", "sre:\n  - read\n");
    write(".manifest", "{\"revision\": \"r1\"}");

    Bundle bundle = BundleReader.read(dir);

    assertThat(bundle.manifest().revision()).isEqualTo("r1");
    assertThat(bundle.modules()).containsOnlyKeys("authz/policy.rego");
    assertThat(bundle.data().toJson())
        .isEqualTo("{\"roles\":{\"sre\":[\"read\"]},\"users\":{\"alice\":{\"role\":\"sre\"}}}");
  }

  /** Regression: a YAML syntax error in a data file named its line but not its column. */
  @Test
  void read_dataYamlSyntaxError_oneLineWithLineAndColumn() throws Exception {
    write("roles/data.yaml", "sre:\n  - read\n write: [\n");

    assertThatThrownBy(() -> BundleReader.read(dir))
        .hasMessageContaining("roles/data.yaml:3:2: invalid YAML: ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void buildThenRead_archiveRoundTrips() throws Exception {
    write("authz/policy.rego", "package authz\nallow := true\n");
    write("data.json", "{\"limits\": {\"max\": 3}}");
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    BundleBuilder.build(
        dir, new BundleBuilder.Options("v7", List.of("authz", "limits"), null, null, null), out);
    Bundle bundle = BundleReader.read(out.toByteArray(), "built.tar.gz");

    assertThat(bundle.manifest().revision()).isEqualTo("v7");
    assertThat(bundle.manifest().roots()).containsExactly("authz", "limits");
    assertThat(bundle.modules().get("authz/policy.rego")).contains("allow := true");
    assertThat(bundle.data().toJson()).isEqualTo("{\"limits\":{\"max\":3}}");
  }

  @Test
  void read_dataOutsideRoots_refusedNamingThePath() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(".manifest", b("{\"roots\": [\"authz\"]}"));
    files.put("other/data.json", b("{\"x\": 1}"));

    assertThatThrownBy(() -> BundleReader.fromFiles("b.tar.gz", files))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("other/data.json")
        .hasMessageContaining("\"other/x\" is outside the bundle roots");
  }

  @Test
  void read_overlappingRoots_refused() {
    Map<String, byte[]> files = Map.of(".manifest", b("{\"roots\": [\"a\", \"a/b\"]}"));

    assertThatThrownBy(() -> BundleReader.fromFiles("b", files)).hasMessageContaining("overlap");
  }

  @Test
  void read_invalidJsonData_namesFileLineAndColumn() {
    Map<String, byte[]> files = Map.of("x/data.json", b("{\n \"a\": [1,,2]}"));

    assertThatThrownBy(() -> BundleReader.fromFiles("b.tar.gz", files))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("b.tar.gz: x/data.json:2:")
        .hasMessageContaining("invalid JSON");
  }

  @Test
  void read_sameKeyFromTwoFiles_isAConflict() {
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("data.json", b("{\"a\": {\"b\": 1}}"));
    files.put("a/data.json", b("{\"b\": 2}"));

    assertThatThrownBy(() -> BundleReader.fromFiles("b", files)).hasMessageContaining("conflicts");
  }

  @Test
  void read_garbageBytes_refusedAsNotGzip() {
    assertThatThrownBy(() -> BundleReader.read(b("this is not a bundle"), "junk.tar.gz"))
        .isInstanceOf(BundleException.class)
        .hasMessageStartingWith("junk.tar.gz: not a gzip file");
  }

  @Test
  void read_truncatedArchive_refused() {
    byte[] full = TarArchive.toBytes(Map.of("data.json", b("{\"a\": 1}")));
    byte[] cut = Arrays.copyOf(full, full.length / 2);

    assertThatThrownBy(() -> BundleReader.read(cut, "cut.tar.gz"))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("cut.tar.gz");
  }

  @Test
  void read_entryClimbingOutOfBundle_refused() {
    byte[] evil = TarArchive.toBytes(Map.of("../../etc/data.json", b("{}")));

    assertThatThrownBy(() -> BundleReader.read(evil, "evil.tar.gz"))
        .hasMessageContaining("points outside the bundle");
  }

  @Test
  void read_longPaths_survive() {
    String deep = "a/".repeat(60) + "data.json";
    byte[] archive = TarArchive.toBytes(Map.of(deep, b("{\"k\": true}")));

    Bundle bundle = BundleReader.read(archive, "deep.tar.gz");

    assertThat(Json.write(bundle.data())).contains("\"k\":true");
  }

  @Test
  void fromFiles_manifestRepeatingRoots_refusedNamingTheKey() {
    // Rego's parser, like OPA's, kept the last "roots": a reviewer reading the first saw others.
    Map<String, byte[]> files =
        Map.of(
            BundleReader.MANIFEST,
            "{\"roots\":[\"a\"],\"revision\":\"r\",\"roots\":[\"\"]}"
                .getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> BundleReader.fromFiles("t", files))
        .isInstanceOf(BundleException.class)
        .hasMessage(
            "t: .manifest: duplicate key \"roots\" in the top-level object;"
                + " a key may appear only once");
  }
}
