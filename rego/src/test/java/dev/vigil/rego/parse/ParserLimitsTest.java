package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.RegoException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile shapes of input: each must end, quickly, in a module or a parse error. */
class ParserLimitsTest {

  private static final String LOGIC =
      "package p\nimport future.keywords.and\nimport future.keywords.or\n";

  static Stream<Arguments> inputs() {
    return Stream.of(
        Arguments.of("unclosed sets", "package p\nx := " + "{".repeat(999), false),
        Arguments.of(
            "nested sets", "package p\nx := " + "{".repeat(999) + "1" + "}".repeat(999), true),
        Arguments.of(
            "nested objects", "package p\nx := " + "{1:".repeat(999) + "1" + "}".repeat(999), true),
        Arguments.of(
            "nested comprehensions",
            "package p\nx := " + "{x | ".repeat(300) + "x" + "}".repeat(300),
            true),
        Arguments.of(
            "nested parens", "package p\nx := " + "(".repeat(999) + "1" + ")".repeat(999), true),
        Arguments.of(
            "nested blocks", LOGIC + "p if " + "{ ".repeat(400) + "a" + " }".repeat(400), true),
        Arguments.of(
            "nested groups",
            LOGIC + "p if " + "( ".repeat(400) + "a or b" + " )".repeat(400),
            true),
        Arguments.of("many nots", "package p\np if { " + "not ".repeat(10_000) + "x }", false),
        Arguments.of("long ref", "package p\nx := a" + ".b".repeat(100_000), true),
        Arguments.of("long call chain", "package p\nx := f(1)" + ".g(2)".repeat(20_000), true),
        Arguments.of(
            "nested templates",
            "package p\nx := " + "$\"{".repeat(500) + "1" + "}\"".repeat(500),
            true),
        Arguments.of("long in chain", "package p\nx := 1" + " in 1".repeat(50_000), true),
        Arguments.of("unterminated string", "package p\nx := \"" + "a".repeat(100_000), false),
        Arguments.of("deep brackets", "package p\nx := " + "[{(".repeat(400), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("inputs")
  void parseModule_hostileInput_endsQuickly(String name, String text, boolean valid) {
    ParserOptions opts = new ParserOptions(false, true);
    boolean parsed;
    try {
      Parser.parseModule("x.rego", text, opts);
      parsed = true;
    } catch (RegoException e) {
      assertThat(e.code()).isEqualTo("rego_parse_error");
      parsed = false;
    }
    assertThat(parsed).isEqualTo(valid);
  }
}
