package dev.vigil.rego.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compilation is bounded: a policy that makes the compiler work without limit is refused with a
 * {@code rego_compile_error} naming its file and the rule, and one nested deeper than the caller's
 * stack is compiled on a deep one or refused the same way. Regressions: a body of thousands of
 * comprehensions beside thousands of local variables, or thousands of unifications in reverse
 * order, compiled for seconds to minutes (the work is the product of the two counts); a sum of ten
 * thousand terms threw StackOverflowError out of {@code Policy.compile}.
 *
 * <p>Each refused policy here costs more than twice the compiler's limit of steps, counted the same
 * on every machine; none is timed.
 */
class CompileLimitsTest {

  private static Policy compile(String text) {
    return Policy.compile(List.of(new Source("big.rego", text)), null, CompileOptions.defaults());
  }

  private static RegoError refusal(String text) {
    RegoException e = catchThrowableOfType(RegoException.class, () -> compile(text));
    assertThat(e).as("compiled without a limit").isNotNull();
    assertThat(e.errors()).hasSize(1);
    return e.errors().get(0);
  }

  /** A rule of {@code n} local variables, then {@code n} comprehensions, each reading one. */
  private static String localsAndClosures(int n) {
    StringBuilder sb = new StringBuilder("package big\n\np if {\n");
    for (int i = 0; i < n; i++) {
      sb.append("  v").append(i).append(" := ").append(i + 1).append('\n');
    }
    for (int i = 0; i < n; i++) {
      sb.append("  count([1 | v").append(i).append(" > 0]) > 0\n");
    }
    return sb.append("}\n").toString();
  }

  @Test
  void compile_thousandsOfClosuresBesideThousandsOfLocals_refusedNamingTheRule() {
    RegoError err = refusal(localsAndClosures(3_000));

    assertThat(err.code()).isEqualTo("rego_compile_error");
    assertThat(err.location().file()).isEqualTo("big.rego");
    assertThat(err.location().line()).isEqualTo(3);
    assertThat(err.message()).startsWith("policy too costly to compile");
  }

  @Test
  void compile_thousandsOfUnificationsInReverseOrder_refusedNamingTheRule() {
    StringBuilder sb = new StringBuilder("package big\n\nx := [y0 | ");
    for (int i = 3_000; i >= 1; i--) {
      sb.append('y').append(i).append(" = y").append(i - 1).append("; ");
    }
    RegoError err = refusal(sb.append("y0 = 1]\n").toString());

    assertThat(err.code()).isEqualTo("rego_compile_error");
    assertThat(err.location().line()).isEqualTo(3);
    assertThat(err.toString()).startsWith("big.rego:3: rego_compile_error: policy too costly");
  }

  @Test
  void compile_aHundredComprehensionsBesideAHundredLocals_compiles() {
    Policy p = compile(localsAndClosures(100));

    assertThat(p.prepare("data.big.p").eval(null, EvalOptions.defaults()).rows()).hasSize(1);
  }

  @Test
  void compile_moduleOfFourThousandRules_compiles() {
    StringBuilder sb = new StringBuilder("package big\n\n");
    for (int i = 0; i < 4_000; i++) {
      sb.append("allow if input.n == ").append(i).append('\n');
    }
    Policy p = compile(sb.toString());

    assertThat(p.prepare("data.big.allow").eval(null, EvalOptions.defaults()).rows()).isEmpty();
  }

  private static String sum(int terms) {
    return "package big\n\nx := 1" + " + 1".repeat(terms - 1) + "\n";
  }

  @Test
  void compile_sumOfTenThousandTerms_compilesOnADeepStack() {
    Policy p = compile(sum(10_000));

    assertThat(p.modules()).hasSize(1);
  }

  @Test
  void compile_sumOfTwoHundredThousandTerms_refusedNamingTheRule() {
    RegoError err = refusal(sum(200_000));

    assertThat(err.code()).isEqualTo("rego_compile_error");
    assertThat(err.location().line()).isEqualTo(3);
    assertThat(err.message()).startsWith("policy too deeply nested to compile");
  }
}
