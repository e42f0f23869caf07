package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.StringValue;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParserTest {

  private static Module v1(String text) {
    return Parser.parseModule("t.rego", text, ParserOptions.v1());
  }

  private static Module v0(String text) {
    return Parser.parseModule("t.rego", text, ParserOptions.v0());
  }

  private static Expr expr(String query) {
    List<Expr> body = Parser.parseQuery(query, ParserOptions.v1());
    assertThat(body).hasSize(1);
    return body.get(0);
  }

  private static Term.Call call(String query) {
    return ((Expr.CallExpr) expr(query).kind()).call();
  }

  private static String render(Term t) {
    return Terms.show(t);
  }

  private static RegoError firstError(Runnable r) {
    try {
      r.run();
    } catch (RegoException e) {
      assertThat(e.code()).isEqualTo("rego_parse_error");
      return e.errors().get(0);
    }
    throw new AssertionError("expected a parse error");
  }

  @Test
  void parseModule_packagePath_isRefRootedAtData() {
    Module m = v1("package a.b[\"c-d\"]\n");
    assertThat(m.packagePath().head()).isEqualTo(new Term.Var("data", m.packagePath().location()));
    assertThat(m.packagePath().path())
        .extracting(t -> ((StringValue) ((Term.Scalar) t).value()).value())
        .containsExactly("a", "b", "c-d");
    assertThat(m.location()).isEqualTo(new Location("t.rego", 1, 1));
  }

  @Test
  void parseModule_imports_keepPathAndAlias() {
    Module m =
        v1(
            "package p\nimport data.x.y\nimport input.a as b\nimport future.keywords.in\n"
                + "import rego.v1\n");
    assertThat(m.imports()).hasSize(4);
    assertThat(render(m.imports().get(0).path())).isEqualTo("data.x.y");
    assertThat(m.imports().get(1).alias()).isEqualTo("b");
    assertThat(render(m.imports().get(2).path())).isEqualTo("future.keywords.in");
    assertThat(m.imports().get(3).location()).isEqualTo(new Location("t.rego", 5, 1));
  }

  @Test
  void parseModule_completeRules_haveSingleKindAndValue() {
    Module m = v1("package p\np := 1\nq = \"x\"\nr if { true }\ns := 2 if input.x\n");
    List<Rule> rules = m.rules();
    assertThat(rules).hasSize(4);
    Rule p = rules.get(0);
    assertThat(render(p.head().ref())).isEqualTo("p");
    assertThat(p.head().kind()).isEqualTo(Rule.Kind.SINGLE);
    assertThat(p.head().assign()).isTrue();
    assertThat(p.head().value())
        .isEqualTo(new Term.Scalar(NumberValue.of(1), p.head().value().location()));
    assertThat(p.body()).hasSize(1);
    assertThat(p.body().get(0).text()).isEqualTo("true");
    assertThat(rules.get(1).head().assign()).isFalse();
    Rule r = rules.get(2);
    assertThat(((Term.Scalar) r.head().value()).value()).isEqualTo(BooleanValue.TRUE);
    Rule s = rules.get(3);
    assertThat(s.body()).extracting(Expr::text).containsExactly("input.x");
    assertThat(s.location()).isEqualTo(new Location("t.rego", 5, 1));
  }

  @Test
  void parseModule_partialSetAndObject_useCanonicalHeads() {
    Module m =
        v1(
            "package p\nq contains x if { some x in input }\nr[k] := v if { some k, v in input }\n"
                + "a.b.c[x] := 1 if { x := 2 }\n");
    Rule q = m.rules().get(0);
    assertThat(q.head().kind()).isEqualTo(Rule.Kind.MULTI);
    assertThat(render(q.head().ref())).isEqualTo("q");
    assertThat(render(q.head().key())).isEqualTo("x");
    assertThat(q.head().value()).isNull();
    Rule r = m.rules().get(1);
    assertThat(r.head().kind()).isEqualTo(Rule.Kind.SINGLE);
    assertThat(render(r.head().ref())).isEqualTo("r[k]");
    assertThat(render(r.head().value())).isEqualTo("v");
    assertThat(r.head().key()).isNull();
    assertThat(render(m.rules().get(2).head().ref())).isEqualTo("a.b.c[x]");
  }

  @Test
  void parseModule_v0PartialRules_matchV1Forms() {
    Module m = v0("package p\nq[x] { x := 1 }\nr[k] = v { k := 1; v := 2 }\nt { true }\n");
    assertThat(m.v0()).isTrue();
    assertThat(m.rules().get(0).head().kind()).isEqualTo(Rule.Kind.MULTI);
    assertThat(render(m.rules().get(0).head().ref())).isEqualTo("q");
    assertThat(render(m.rules().get(1).head().ref())).isEqualTo("r[k]");
    assertThat(render(m.rules().get(1).head().value())).isEqualTo("v");
    assertThat(m.rules().get(1).body()).hasSize(2);
    assertThat(render(m.rules().get(2).head().value())).isEqualTo("true");
  }

  @Test
  void parseModule_functions_keepArgsAndValue() {
    Module m = v1("package p\nf(x, y) := z if { z := x + y }\ng(x) if x > 1\nh.i(x) := 1\n");
    Rule f = m.rules().get(0);
    assertThat(f.head().args()).extracting(ParserTest::render).containsExactly("x", "y");
    assertThat(render(f.head().value())).isEqualTo("z");
    Rule g = m.rules().get(1);
    assertThat(render(g.head().value())).isEqualTo("true");
    assertThat(g.head().args()).hasSize(1);
    assertThat(render(m.rules().get(2).head().ref())).isEqualTo("h.i");
    assertThat(m.rules().get(0).head().args()).isNotNull();
    assertThat(v1("package p\np := 1\n").rules().get(0).head().args()).isNull();
  }

  @Test
  void parseModule_elseChain_linksRules() {
    Module m =
        v1(
            "package p\nf(x) := 1 if { x > 1 } else := 2 if { x > 0 } else := 3\n"
                + "default g := false\n");
    Rule f = m.rules().get(0);
    assertThat(render(f.elseRule().head().value())).isEqualTo("2");
    assertThat(f.elseRule().head().args()).extracting(ParserTest::render).containsExactly("x");
    assertThat(render(f.elseRule().elseRule().head().value())).isEqualTo("3");
    assertThat(f.elseRule().elseRule().elseRule()).isNull();
    Rule g = m.rules().get(1);
    assertThat(g.isDefault()).isTrue();
    assertThat(render(g.head().value())).isEqualTo("false");
  }

  @Test
  void parseModule_v0ElseWithoutValue_defaultsToTrue() {
    Module m = v0("package p\np = 1 { false } else { true }\nq { 1 } { 2 }\n");
    assertThat(render(m.rules().get(0).elseRule().head().value())).isEqualTo("true");
    assertThat(m.rules()).hasSize(3);
    assertThat(m.rules().get(2).body()).extracting(Expr::text).containsExactly("2");
  }

  @Test
  void parseQuery_operators_followOpaPrecedence() {
    assertThat(render(call("x := 1 + 2 * 3 - 4").args().get(1)))
        .isEqualTo("minus(plus(1, mul(2, 3)), 4)");
    assertThat(render(call("a == b | c & d").args().get(1))).isEqualTo("or(b, and(c, d))");
    assertThat(Terms.operatorName(call("x in xs"))).isEqualTo("internal.member_2");
    Term.Call kv = call("k, v in xs");
    assertThat(Terms.operatorName(kv)).isEqualTo("internal.member_3");
    assertThat(kv.args()).extracting(ParserTest::render).containsExactly("k", "v", "xs");
    assertThat(render(call("1 < 2 == true"))).isEqualTo("equal(lt(1, 2), true)");
    assertThat(Terms.operatorName(call("x = 1"))).isEqualTo("eq");
    assertThat(Terms.operatorName(call("x != 1"))).isEqualTo("neq");
    assertThat(render(call("x := 7 % 3 / 2").args().get(1))).isEqualTo("div(rem(7, 3), 2)");
  }

  @Test
  void parseQuery_operatorRefs_areBuiltinNames() {
    Term.Call c = call("plus(1, 2)");
    assertThat(c.operator().head()).isInstanceOf(Term.Var.class);
    assertThat(c.operator().path()).isEmpty();
    Term.Call r = call("strings.reverse(\"ab\")");
    assertThat(((Term.Var) r.operator().head()).name()).isEqualTo("strings");
    assertThat(r.operator().path())
        .containsExactly(
            new Term.Scalar(StringValue.of("reverse"), r.operator().path().get(0).location()));
    Term.Call in = call("1 in [1]");
    assertThat(((Term.Var) in.operator().head()).name()).isEqualTo("internal");
  }

  @Test
  void parseQuery_negativeNumbers_areLiterals() {
    Term.Call c = call("x := -1.5e3");
    assertThat(((Term.Scalar) c.args().get(1)).value()).isEqualTo(NumberValue.parse("-1500"));
    assertThat(render(call("x := 1 - -2").args().get(1))).isEqualTo("minus(1, -2)");
    assertThat(((Term.Scalar) call("x := 123456789012345678901234567890").args().get(1)).value())
        .isEqualTo(NumberValue.parse("123456789012345678901234567890"));
  }

  @Test
  void parseQuery_refs_mixDotsBracketsAndCalls() {
    Expr e = expr("input.a[\"b\"][x].c");
    Term.Ref r = (Term.Ref) ((Expr.TermExpr) e.kind()).term();
    assertThat(((Term.Var) r.head()).name()).isEqualTo("input");
    assertThat(r.path())
        .extracting(ParserTest::render)
        .containsExactly("\"a\"", "\"b\"", "x", "\"c\"");
    Term.Ref callRef = (Term.Ref) ((Expr.TermExpr) expr("f(x).y").kind()).term();
    assertThat(callRef.head()).isInstanceOf(Term.Call.class);
    Term.Ref arrayRef = (Term.Ref) ((Expr.TermExpr) expr("[1, 2][i]").kind()).term();
    assertThat(arrayRef.head()).isInstanceOf(Term.ArrayTerm.class);
    Term input = ((Expr.TermExpr) expr("input").kind()).term();
    assertThat(input).isInstanceOf(Term.Ref.class);
  }

  @Test
  void parseQuery_spaceBeforeBracket_endsTheRef() {
    List<Expr> body = Parser.parseQuery("x\n[1]", ParserOptions.v1());
    assertThat(body).hasSize(2);
    assertThat(((Expr.TermExpr) body.get(1).kind()).term()).isInstanceOf(Term.ArrayTerm.class);
  }

  @Test
  void parseQuery_collections_andComprehensions() {
    assertThat(((Expr.TermExpr) expr("set()").kind()).term())
        .isEqualTo(new Term.SetTerm(List.of(), new Location("", 1, 1)));
    assertThat(((Expr.TermExpr) expr("{}").kind()).term()).isInstanceOf(Term.ObjectTerm.class);
    assertThat(((Expr.TermExpr) expr("{1, 2}").kind()).term()).isInstanceOf(Term.SetTerm.class);
    Term.Call a = call("x := [y | y := input[_]]");
    assertThat(a.args().get(1)).isInstanceOf(Term.ArrayComprehension.class);
    Term.SetComprehension s =
        (Term.SetComprehension) call("x := {y | some y in input}").args().get(1);
    assertThat(s.body().get(0).kind()).isInstanceOf(Expr.SomeIn.class);
    Term.ObjectComprehension o =
        (Term.ObjectComprehension) call("x := {k: v | v := input[k]}").args().get(1);
    assertThat(render(o.key())).isEqualTo("k");
    assertThat(((Expr.TermExpr) expr("{1 | 2}").kind()).term())
        .isInstanceOf(Term.SetComprehension.class);
  }

  @Test
  void parseQuery_strings_decodeEscapesAndRawText() {
    Term.Call c = call("x := \"a\\n\\u00e9\\ud83d\\ude00\\\"\"");
    assertThat(((Term.Scalar) c.args().get(1)).value())
        .isEqualTo(StringValue.of("a\né\uD83D\uDE00\""));
    Term.Call raw = call("x := `a\\n\nb`");
    assertThat(((Term.Scalar) raw.args().get(1)).value()).isEqualTo(StringValue.of("a\\n\nb"));
  }

  @Test
  void parseQuery_someEveryNotWith_haveTheirKinds() {
    assertThat(((Expr.SomeDecl) expr("some x, y").kind()).vars())
        .extracting(Term.Var::name)
        .containsExactly("x", "y");
    Expr.SomeIn in = (Expr.SomeIn) expr("some k, v in xs").kind();
    assertThat(render(in.key())).isEqualTo("k");
    assertThat(((Expr.SomeIn) expr("some v in xs").kind()).key()).isNull();
    Expr.Every every = (Expr.Every) expr("every k, v in xs { v > k }").kind();
    assertThat(render(every.domain())).isEqualTo("xs");
    assertThat(every.body()).extracting(Expr::text).containsExactly("v > k");
    Expr not = expr("not input.x with input as {} with data.a as 1");
    assertThat(not.negated()).isTrue();
    assertThat(not.with()).hasSize(2);
    assertThat(not.text()).isEqualTo("not input.x with input as {} with data.a as 1");
  }

  @Test
  void parseQuery_separators_semicolonsAndNewlines() {
    assertThat(Parser.parseQuery("x := 1; y := 2\nz := 3", ParserOptions.v1())).hasSize(3);
    assertThat(Parser.parseQuery("  ", ParserOptions.v1())).isEmpty();
  }

  @Test
  void parseTerm_inputTerm_allowsSets() {
    Term t = Parser.parseTerm("{\"a\": {1, 2}, \"b\": [null, true]}");
    assertThat(t).isInstanceOf(Term.ObjectTerm.class);
    assertThat(((Term.ObjectTerm) t).entries().get(0).value()).isInstanceOf(Term.SetTerm.class);
    assertThatThrownBy(() -> Parser.parseTerm("1; 2")).isInstanceOf(RegoException.class);
  }

  @Test
  void parseModule_templateStrings_splitIntoParts() {
    Module m = v1("package p\nx := $\"a {input.y} \\{b} {1 + 2}\"\n");
    Term.TemplateString ts = (Term.TemplateString) m.rules().get(0).head().value();
    assertThat(ts.parts())
        .extracting(ParserTest::render)
        .containsExactly("\"a \"", "input.y", "\" {b} \"", "plus(1, 2)");
    Module raw = v1("package p\nx := $`line\n{input.y}`\n");
    Term.TemplateString rts = (Term.TemplateString) raw.rules().get(0).head().value();
    assertThat(rts.parts())
        .extracting(ParserTest::render)
        .containsExactly("\"line\\n\"", "input.y");
  }

  @Test
  void parseModule_v0Keywords_onlyWhenImported() {
    Module plain = v0("package p\np[x] { x := in }\n");
    assertThat(plain.rules()).hasSize(1);
    Module imported = v0("package p\nimport future.keywords.in\np { 1 in [1] }\n");
    Expr e = imported.rules().get(0).body().get(0);
    assertThat(Terms.operatorName(((Expr.CallExpr) e.kind()).call()))
        .isEqualTo("internal.member_2");
    Module v1Import = v0("package p\nimport rego.v1\np contains 1 if true\n");
    assertThat(v1Import.v0()).isFalse();
  }

  @Test
  void parseModule_v1WithoutIf_reportsEveryRuleAsOpaWordsIt() {
    RegoException e =
        (RegoException)
            catchThrowable(() -> v1("package p\n\np[x] {\n  x := 1\n}\nf(x) { true }\n"));
    assertThat(e.errors())
        .extracting(RegoError::message)
        .containsExactly(
            "`if` keyword is required before rule body",
            "`contains` keyword is required for partial set rules",
            "`if` keyword is required before function body");
    assertThat(e.errors().get(0).location()).isEqualTo(new Location("t.rego", 3, 1));
    assertThat(e.errors().get(2).location()).isEqualTo(new Location("t.rego", 6, 1));
  }

  @Test
  void parseModule_errors_nameTokenAndPlace() {
    RegoError eof = firstError(() -> v1("package p\np if {\n  x := [1,\n"));
    assertThat(eof.message()).isEqualTo("unexpected eof token");
    assertThat(eof.location().line()).isEqualTo(4);
    RegoError var = firstError(() -> v1("package p\nx\n"));
    assertThat(var.message()).isEqualTo("var cannot be used for rule name");
    assertThat(var.location()).isEqualTo(new Location("t.rego", 2, 1));
    RegoError missing = firstError(() -> v1("p := 1\n"));
    assertThat(missing.message()).isEqualTo("package expected");
    RegoError str = firstError(() -> v1("package p\nx := \"abc\n"));
    assertThat(str.message()).isEqualTo("non-terminated string");
    assertThat(str.location()).isEqualTo(new Location("t.rego", 2, 6));
    RegoError kw = firstError(() -> v1("package p\nx := if\n"));
    assertThat(kw.message()).startsWith("unexpected if keyword");
    RegoError two = firstError(() -> v1("package p\np if { a b }\n"));
    assertThat(two.message()).isEqualTo("unexpected ident token: expected \\n or ; or }");
    assertThat(two.location()).isEqualTo(new Location("t.rego", 2, 10));
  }

  @Test
  void parseModule_severalBrokenRules_reportsEachOne() {
    RegoException e =
        (RegoException)
            catchThrowable(() -> v1("package p\n\np if { a b }\nq := ]\nr := 1\ns if {\n"));
    assertThat(e.errors())
        .extracting(err -> err.location().line() + ": " + err.message())
        .containsExactly(
            "3: unexpected ident token: expected \\n or ; or }",
            "4: unexpected ] token",
            "4: unexpected ] token: expected rule value term (e.g., q := <VALUE> { ... })",
            "7: unexpected eof token");
  }

  @Test
  void parseModule_emptySource_isEmptyModuleError() {
    assertThat(firstError(() -> v1("# only a comment\n")).message()).isEqualTo("empty module");
  }

  @Test
  void parseModule_deepNesting_isCleanError() {
    String deep = "package p\nx := " + "[".repeat(100_000);
    RegoError e = firstError(() -> v1(deep));
    assertThat(e.message()).startsWith("max parsing recursion depth exceeded");
    String ok = "package p\nx := " + "[".repeat(900) + "]".repeat(900) + "\n";
    assertThat(v1(ok).rules()).hasSize(1);
  }

  @Test
  void parseModule_longChains_doNotOverflow() {
    StringBuilder sb = new StringBuilder("package p\nf(x) := 0 if x == 0");
    for (int i = 1; i < 20_000; i++) {
      sb.append(" else := ").append(i).append(" if x == ").append(i);
    }
    Module m = v1(sb.append('\n').toString());
    assertThat(m.rules()).hasSize(1);
    String sum = "package p\nx := 1" + " + 1".repeat(50_000) + "\n";
    assertThat(v1(sum).rules()).hasSize(1);
  }

  @Test
  void parseModule_keywordsInRefs_areAllowed() {
    Module m = v1("package p\nx := input.in.if.contains\ny := contains(\"ab\", \"a\")\n");
    assertThat(render(m.rules().get(0).head().value())).isEqualTo("input.in.if.contains");
    assertThat(m.rules().get(1).head().value()).isInstanceOf(Term.Call.class);
  }

  @Test
  void parseModule_keywordsAsRefHeads_followOpa() {
    for (String kw : List.of("null", "true", "not", "some", "every", "if", "in", "contains")) {
      Module m =
          v1(
              "package "
                  + kw
                  + ".x\n"
                  + kw
                  + ".foo if { true }\ndefault foo."
                  + kw
                  + "(_, _) := true\nx := input."
                  + kw
                  + "\n");
      assertThat(render(m.packagePath())).isEqualTo("data." + kw + ".x");
      assertThat(render(m.rules().get(0).head().ref())).isEqualTo(kw + ".foo");
      assertThat(render(m.rules().get(1).head().ref())).isEqualTo("foo." + kw);
      assertThat(render(m.rules().get(2).head().value())).isEqualTo("input." + kw);
    }
    RegoError tail = firstError(() -> v1("package p\nimport data.foo.if\n"));
    assertThat(tail.message())
        .isEqualTo("unexpected import path, must not end with a keyword, got: if");
    RegoError alias = firstError(() -> v1("package p\nimport data.foo as in\n"));
    assertThat(alias.message()).isEqualTo("unexpected in keyword: expected var");
    RegoError head = firstError(() -> v1("package p\nfoo+bar := 1\n"));
    assertThat(head.message()).isEqualTo("unexpected + token");
  }

  @Test
  void parseModule_v0FutureKeywordUse_hintsTheImport() {
    RegoError some = firstError(() -> v0("package p\np { some x in [1] }\n"));
    assertThat(some.message())
        .isEqualTo(
            "unexpected ident token: expected \\n or ; or } (hint: `import future.keywords.in`"
                + " for `some x in xs` expressions)");
    RegoError every = firstError(() -> v0("package p\np { every x in [1] { x } }\n"));
    assertThat(every.message())
        .endsWith("(hint: `import future.keywords.every` for `every x in xs { ... }` expressions)");
  }

  private static Throwable catchThrowable(Runnable r) {
    try {
      r.run();
    } catch (Throwable t) {
      return t;
    }
    throw new AssertionError("expected an exception");
  }
}
