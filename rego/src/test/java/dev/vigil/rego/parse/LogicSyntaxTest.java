package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Module;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LogicSyntaxTest {

  private static final String HEADER =
      "package test\nimport future.keywords.and\nimport future.keywords.or\n";

  private static List<Expr> body(String rule) {
    Module m = Parser.parseModule("t.rego", HEADER + rule, new ParserOptions(false, true));
    return m.rules().get(0).body();
  }

  /** Renders a body with explicit grouping: and(...), or(...), not ... */
  private static String shape(List<Expr> body) {
    return body.stream().map(LogicSyntaxTest::shape).collect(Collectors.joining("; "));
  }

  private static String shape(Expr e) {
    String inner =
        e.kind() instanceof Expr.Logic l
            ? (l.isAnd() ? "and" : "or") + "(" + shape(l.left()) + " | " + shape(l.right()) + ")"
            : e.text().replaceFirst("^not ", "");
    String with = e.with().isEmpty() ? "" : " with*" + e.with().size();
    return (e.negated() ? "not " : "") + inner + with;
  }

  @Test
  void parseModule_andBindsTighterThanOr() {
    assertThat(shape(body("p if { input.x or input.y and input.z }")))
        .isEqualTo("or(input.x | and(input.y | input.z))");
    assertThat(shape(body("p if { not input.x and not input.y or input.z }")))
        .isEqualTo("or(and(not input.x | not input.y) | input.z)");
    assertThat(shape(body("p if { a and b and c }"))).isEqualTo("and(and(a | b) | c)");
  }

  @Test
  void parseModule_blocksAndParens_groupOperands() {
    assertThat(shape(body("p if { { a := 1; a > 0 } and { b := 2 } }")))
        .isEqualTo("and(a := 1; a > 0 | b := 2)");
    assertThat(shape(body("p if { input.a and (input.b or input.c) }")))
        .isEqualTo("and(input.a | or(input.b | input.c))");
    assertThat(shape(body("p if { not { input.x and input.y } }")))
        .isEqualTo("not and(input.x | input.y)");
    assertThat(shape(body("p if { not { a := 1; a > 0 } or b }")))
        .isEqualTo("or(not and(a := 1; a > 0 | true) | b)");
  }

  @Test
  void parseModule_trailingWith_appliesToWholeChain() {
    assertThat(shape(body("p if { input.x > 0 and input.y > 0 with input as {\"x\": 1} }")))
        .isEqualTo("and(input.x > 0 | input.y > 0) with*1");
    assertThat(shape(body("p if { (input.x < 2 with input.x as 1) and input.x == 5 }")))
        .isEqualTo("and(input.x < 2 with input.x as 1 with*1 | input.x == 5)");
  }

  @Test
  void parseModule_ifHeadWithoutBraces_takesTheChain() {
    assertThat(shape(body("p := 1 if input.x > 0 or input.y > 0\n")))
        .isEqualTo("or(input.x > 0 | input.y > 0)");
    assertThat(shape(body("p if { {1} }"))).isEqualTo("{1}");
  }

  @Test
  void parseModule_withoutExperimentalFlag_refusesTheImport() {
    try {
      Parser.parseModule("t.rego", HEADER + "p if { a and b }", ParserOptions.v1());
      throw new AssertionError("expected a parse error");
    } catch (RegoException e) {
      assertThat(e.errors().get(0).message())
          .isEqualTo("unexpected keyword, must be one of [contains every if in]");
      assertThat(e.errors().get(0).location().line()).isEqualTo(2);
    }
  }
}
