package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Module;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Feeds random and mutated Rego to the parser: it must return a module or throw a {@link
 * RegoException} of parse errors, each with a location, within a bounded time. Never another
 * exception, never a stack overflow, never a hang. The number of tries is recorded in
 * docs/fuzzing.md.
 */
class ParserFuzzTest {

  private static final List<String> CORPUS = loadCorpus();

  private static final List<String> FRAGMENTS =
      List.of(
          "package p\n",
          "import future.keywords\n",
          "import rego.v1\n",
          "import future.keywords.and\n",
          "import future.keywords.or\n",
          "p ",
          "q[x] ",
          "f(x) ",
          ":= ",
          "= ",
          "if ",
          "contains ",
          "else ",
          "default ",
          "{ ",
          "} ",
          "[ ",
          "] ",
          "( ",
          ") ",
          "x ",
          "input.a ",
          "data.b[c] ",
          "1 ",
          "-2.5e3 ",
          "\"s\\n\" ",
          "`raw` ",
          "$\"t {x} \" ",
          "$`m {y}` ",
          "some ",
          "every ",
          "in ",
          "not ",
          "with ",
          "as ",
          "and ",
          "or ",
          "| ",
          "& ",
          "+ ",
          "* ",
          "== ",
          "!= ",
          "< ",
          ">= ",
          ", ",
          "; ",
          ": ",
          ".",
          "\n",
          "# METADATA\n# title: t\n",
          "set() ",
          "null ",
          "true ",
          "_ ",
          "count(x) ",
          "\"",
          "`",
          "$\"{",
          "0x",
          "01 ",
          "\\u",
          "\t");

  @Property(tries = 4000)
  void parseModule_mutatedConformanceModules_onlyModuleOrParseError(
      @ForAll("mutatedModules") String text, @ForAll boolean v0, @ForAll boolean experimental) {
    assertParsesCleanly(text, new ParserOptions(v0, experimental));
  }

  @Property(tries = 4000)
  void parseModule_randomFragments_onlyModuleOrParseError(
      @ForAll("fragmentSoup") String text, @ForAll boolean v0, @ForAll boolean experimental) {
    assertParsesCleanly(text, new ParserOptions(v0, experimental));
  }

  @Property(tries = 2000)
  void parseModule_randomCharacters_onlyModuleOrParseError(
      @ForAll("charSoup") String text, @ForAll boolean v0) {
    assertParsesCleanly(text, new ParserOptions(v0, true));
  }

  @Property(tries = 1500)
  void parseQuery_randomFragments_onlyBodyOrParseError(@ForAll("fragmentSoup") String text) {
    try {
      assertThat(Parser.parseQuery(text, ParserOptions.v1())).isNotNull();
    } catch (RegoException e) {
      assertWellFormed(e);
    }
  }

  @Provide
  Arbitrary<String> mutatedModules() {
    Arbitrary<String> base = Arbitraries.of(CORPUS);
    Arbitrary<Integer> kind = Arbitraries.integers().between(0, 6);
    Arbitrary<Double> a = Arbitraries.doubles().between(0, 1);
    Arbitrary<Double> b = Arbitraries.doubles().between(0, 1);
    Arbitrary<String> insert = Arbitraries.of(FRAGMENTS);
    Arbitrary<Integer> rounds = Arbitraries.integers().between(1, 4);
    return Combinators.combine(base, kind, a, b, insert, rounds)
        .as(
            (src, k, x, y, ins, n) -> {
              String s = src;
              for (int i = 0; i < n; i++) {
                s = mutate(s, (k + i) % 7, x, y, ins);
              }
              return s;
            });
  }

  @Provide
  Arbitrary<String> fragmentSoup() {
    return Arbitraries.of(FRAGMENTS).list().ofMaxSize(60).map(l -> String.join("", l));
  }

  @Provide
  Arbitrary<String> charSoup() {
    return Arbitraries.strings()
        .withChars("pckgaimortx_0123456789{}[]()<>=!:;,.|&+-*/%\"`$#\\ \n\tuifnse")
        .withCharRange('\u00e0', '\u00ff')
        .ofMaxLength(300)
        .map(body -> "package p\n" + body);
  }

  private static String mutate(String s, int kind, double x, double y, String ins) {
    if (s.isEmpty()) {
      return ins;
    }
    int i = (int) (x * s.length());
    int j = Math.min(s.length(), i + (int) (y * 40));
    return switch (kind) {
      case 0 -> s.substring(0, i) + s.substring(j);
      case 1 -> s.substring(0, i) + ins + s.substring(i);
      case 2 -> s.substring(0, i);
      case 3 -> s.substring(0, j) + s.substring(i, j) + s.substring(j);
      case 4 -> s.substring(0, i) + "[".repeat(1 + (int) (y * 3000)) + s.substring(i);
      case 5 -> s.substring(0, i) + s.substring(i, j).toUpperCase() + s.substring(j);
      default -> s.replace(ins.strip().isEmpty() ? " " : ins.strip(), "");
    };
  }

  private static void assertParsesCleanly(String text, ParserOptions opts) {
    long start = System.nanoTime();
    try {
      Module m = Parser.parseModule("fuzz.rego", text, opts);
      assertThat(m.packagePath()).isNotNull();
      Statistics.collect("module");
    } catch (RegoException e) {
      assertWellFormed(e);
      Statistics.collect("parse error");
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(millis).as("parse time of %d chars", text.length()).isLessThan(5_000);
  }

  private static void assertWellFormed(RegoException e) {
    assertThat(e.errors()).isNotEmpty();
    for (RegoError err : e.errors()) {
      assertThat(err.code()).isEqualTo("rego_parse_error");
      assertThat(err.location()).isNotNull();
      assertThat(err.message()).isNotBlank().doesNotStartWith("parser failed on this input");
    }
  }

  private static List<String> loadCorpus() {
    List<String> out = new ArrayList<>();
    Path root = Path.of("/work/shared/conformance/rego");
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    if (Files.isDirectory(root)) {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
          for (JsonNode c : yaml.readTree(f.toFile()).path("cases")) {
            c.path("modules").forEach(m -> out.add(m.asText()));
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("cannot read conformance corpus: " + e.getMessage(), e);
      }
    }
    out.add("package p\n\np contains x if { some x in input }\nf(x) := y if { y := x + 1 }\n");
    out.add("package p\np[x] { x := 1 }\nq = 1 { true } else = 2\n");
    return List.copyOf(out);
  }
}
