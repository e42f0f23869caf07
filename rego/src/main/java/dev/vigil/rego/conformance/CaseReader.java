package dev.vigil.rego.conformance;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads conformance cases from YAML files and the folders that hold them. */
final class CaseReader {

  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

  private CaseReader() {}

  /** Returns the YAML files under the path (or the path itself), sorted. */
  static List<Path> yamlFiles(Path root) {
    if (Files.isRegularFile(root)) {
      return List.of(root);
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + root + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads the cases of one file.
   *
   * @param v0 true when the cases are in v0 syntax
   * @throws IllegalArgumentException naming the file when it is not a conformance file
   */
  static List<ConformanceCase> read(Path file, boolean v0) {
    JsonNode root;
    try {
      root = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + yamlProblem(e), e);
    }
    JsonNode cases = root == null ? null : root.get("cases");
    if (cases == null || !cases.isArray()) {
      throw new IllegalArgumentException(file + ": no list of `cases`");
    }
    Path parent = file.getParent();
    String folder = parent == null ? "" : parent.getFileName().toString();
    List<ConformanceCase> out = new ArrayList<>();
    int index = 0;
    for (JsonNode c : cases) {
      out.add(readCase(file, folder, index++, c, v0));
    }
    return out;
  }

  private static ConformanceCase readCase(
      Path file, String folder, int index, JsonNode c, boolean v0) {
    List<String> modules = new ArrayList<>();
    JsonNode mods = c.get("modules");
    if (mods != null) {
      for (JsonNode m : mods) {
        modules.add(m.asText());
      }
    }
    List<Value> want = null;
    JsonNode wr = c.get("want_result");
    if (wr != null && !wr.isNull()) {
      want = new ArrayList<>();
      for (JsonNode row : wr) {
        want.add(Json.fromNode(row));
      }
    }
    String note = text(c, "note");
    return new ConformanceCase(
        file,
        folder,
        note == null ? file.getFileName() + "#" + index : note,
        modules,
        c.has("data") ? Json.fromNode(c.get("data")) : null,
        c.has("input") ? Json.fromNode(c.get("input")) : null,
        text(c, "input_term"),
        text(c, "query"),
        want,
        text(c, "want_error_code"),
        text(c, "want_error"),
        bool(c, "strict_error"),
        bool(c, "sort_bindings"),
        bool(c, "ignore_generated_vars"),
        bool(c, "experimental_keywords"),
        v0);
  }

  private static String text(JsonNode c, String field) {
    JsonNode n = c.get(field);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static boolean bool(JsonNode c, String field) {
    JsonNode n = c.get(field);
    return n != null && n.asBoolean(false);
  }

  /**
   * Returns {@code :line:column: not valid YAML: problem} in one line: the parser's own message
   * spans several lines, its context first and the problem last, each with its own mark.
   */
  private static String yamlProblem(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m
          && m.getProblemMark() != null
          && m.getProblem() != null) {
        return ":"
            + (m.getProblemMark().getLine() + 1)
            + ":"
            + (m.getProblemMark().getColumn() + 1)
            + ": not valid YAML: "
            + m.getProblem();
      }
    }
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
        && j.getLocation() != null
        && j.getLocation().getLineNr() > 0) {
      return ":"
          + j.getLocation().getLineNr()
          + ":"
          + j.getLocation().getColumnNr()
          + ": not valid YAML: "
          + firstLine(j.getOriginalMessage());
    }
    return ": not valid YAML: " + firstLine(e);
  }

  private static String firstLine(Exception e) {
    return firstLine(e.getMessage());
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
