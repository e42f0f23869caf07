package dev.vigil.rego.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compile-time checks: each bad policy is refused with OPA's code and a located message. */
class CompilerTest {

  private static RegoException compileError(String text, boolean v0) {
    return catchThrowableOfType(
        RegoException.class,
        () ->
            Policy.compile(
                List.of(new Source("p.rego", text)), null, CompileOptions.defaults().withV0(v0)));
  }

  private static RegoError only(RegoException e) {
    assertThat(e).isNotNull();
    assertThat(e.errors()).hasSize(1);
    return e.errors().get(0);
  }

  @Test
  void compile_varOnlyInNegation_unsafeVarError() {
    RegoError err = only(compileError("package a\n\np if {\n  not input.x[y]\n}\n", false));
    assertThat(err.code()).isEqualTo("rego_unsafe_var_error");
    assertThat(err.message()).isEqualTo("var y is unsafe");
    assertThat(err.location().line()).isEqualTo(4);
    assertThat(err.toString()).startsWith("p.rego:4: rego_unsafe_var_error: var y is unsafe");
  }

  @Test
  void compile_headVarNeverBound_unsafeVarError() {
    RegoError err = only(compileError("package a\n\np := x if {\n  input.a == 1\n}\n", false));
    assertThat(err.code()).isEqualTo("rego_unsafe_var_error");
    assertThat(err.message()).isEqualTo("var x is unsafe");
  }

  @Test
  void compile_reassignedVar_assignedAboveError() {
    RegoError err = only(compileError("package a\n\np if {\n  x := 1\n  x := 2\n}\n", false));
    assertThat(err.code()).isEqualTo("rego_compile_error");
    assertThat(err.message()).isEqualTo("var x assigned above");
  }

  @Test
  void compile_varUsedBeforeDeclaration_referencedAboveError() {
    RegoError err = only(compileError("package a\n\np if {\n  y == 2\n  y := 2\n}\n", false));
    assertThat(err.code()).isEqualTo("rego_compile_error");
    assertThat(err.message()).isEqualTo("var y referenced above");
  }

  @Test
  void compile_unknownFunction_undefinedFunctionError() {
    RegoError err = only(compileError("package a\n\np if no_such_fn(1)\n", false));
    assertThat(err.code()).isEqualTo("rego_type_error");
    assertThat(err.message()).isEqualTo("undefined function no_such_fn");
  }

  @Test
  void compile_userFunctionWrongArity_arityMismatch() {
    RegoError err = only(compileError("package a\n\nf(x) := x\n\np if f(1, 2, 3)\n", false));
    assertThat(err.code()).isEqualTo("rego_type_error");
    assertThat(err.message()).contains("data.a.f: arity mismatch");
  }

  @Test
  void compile_mutualRecursion_recursionError() {
    RegoError err = only(compileError("package a\n\np if q\n\nq if p\n", false));
    assertThat(err.code()).isEqualTo("rego_recursion_error");
    assertThat(err.message()).contains("data.a.p").contains("is recursive");
  }

  @Test
  void compile_deprecatedBuiltinInV1_undefinedFunction() {
    RegoError err = only(compileError("package a\n\np if re_match(\"a\", \"a\")\n", false));
    assertThat(err.code()).isEqualTo("rego_type_error");
    assertThat(err.message()).isEqualTo("undefined function re_match");
  }

  @Test
  void compile_completeAndPartialRulesSameName_conflictingRules() {
    RegoError err = only(compileError("package a\n\np := 1\n\np contains 2\n", false));
    assertThat(err.code()).isEqualTo("rego_type_error");
    assertThat(err.message()).isEqualTo("conflicting rules data.a.p found");
  }

  @Test
  void compile_bodyOutOfOrder_reordersForSafety() {
    Policy p =
        Policy.compile(
            List.of(new Source("p.rego", "package a\n\np := y if {\n  y == 2\n  y = 1 + 1\n}\n")),
            null,
            CompileOptions.defaults());
    assertThat(p.prepare("x := data.a.p").eval(null, dev.vigil.rego.EvalOptions.defaults()).rows())
        .hasSize(1);
  }
}
