package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.RegoException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Parses every module of OPA's conformance cases (v1 folders with v1 options, v0 folders with v0
 * options). A module may legitimately fail only when its case expects an error.
 */
class ConformanceModulesParseTest {

  private static final Path ROOT = Path.of("/work/shared/conformance/rego");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  record Outcome(
      int modules, int parsed, List<String> unexpected, int expectedFailures, int queries) {}

  @Test
  void parseModule_conformanceV1Modules_parseUnlessCaseExpectsError() throws IOException {
    Outcome o = parseAll(ROOT.resolve("v1"), ParserOptions.v1());
    System.out.printf(
        "v1: %d modules, %d parsed, %d failed in error cases, %d unexpected failures;"
            + " %d queries and input terms parsed%n",
        o.modules, o.parsed, o.expectedFailures, o.unexpected.size(), o.queries);
    o.unexpected.stream().limit(40).forEach(System.out::println);
    assertThat(o.unexpected).isEmpty();
  }

  @Test
  void parseModule_conformanceV0Modules_parseUnlessCaseExpectsError() throws IOException {
    Outcome o = parseAll(ROOT.resolve("v0"), ParserOptions.v0());
    System.out.printf(
        "v0: %d modules, %d parsed, %d failed in error cases, %d unexpected failures;"
            + " %d queries and input terms parsed%n",
        o.modules, o.parsed, o.expectedFailures, o.unexpected.size(), o.queries);
    o.unexpected.stream().limit(40).forEach(System.out::println);
    assertThat(o.unexpected).isEmpty();
  }

  private static Outcome parseAll(Path dir, ParserOptions base) throws IOException {
    int modules = 0;
    int parsed = 0;
    int expectedFailures = 0;
    int queries = 0;
    List<String> unexpected = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(dir)) {
      files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    for (Path f : files) {
      JsonNode root = YAML.readTree(f.toFile());
      for (JsonNode c : root.path("cases")) {
        boolean wantsError = c.has("want_error") || c.has("want_error_code");
        ParserOptions opts =
            base.withExperimentalKeywords(c.path("experimental_keywords").asBoolean());
        try {
          if (c.has("query")) {
            Parser.parseQuery(c.path("query").asText(), opts);
            queries++;
          }
          if (c.has("input_term")) {
            Parser.parseTerm(c.path("input_term").asText());
            queries++;
          }
        } catch (RegoException e) {
          if (!wantsError) {
            unexpected.add(c.path("note").asText() + " (query): " + e.getMessage());
          }
        }
        int i = 0;
        for (JsonNode m : c.path("modules")) {
          String name = "test-" + i++ + ".rego";
          modules++;
          try {
            Parser.parseModule(name, m.asText(), opts);
            parsed++;
          } catch (RegoException e) {
            if (wantsError) {
              expectedFailures++;
            } else {
              unexpected.add(c.path("note").asText() + ": " + e.getMessage());
            }
          }
        }
      }
    }
    return new Outcome(modules, parsed, unexpected, expectedFailures, queries);
  }
}
