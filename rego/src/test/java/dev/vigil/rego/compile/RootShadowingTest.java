package dev.vigil.rego.compile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A local named {@code input} (or {@code data}) shadows the root document in v0, as real policy
 * libraries' tests rely on; v1 refuses it, as OPA 1.x does.
 */
class RootShadowingTest {

  private static final String V0 =
      """
      package k
      violation[msg] {
        input.x == 1
        msg := "bad"
      }
      test_local_input_feeds_with {
        input := {"x": 1}
        results := violation with input as input
        count(results) == 1
      }
      """;

  @Test
  void v0_localInput_shadowsTheRootDocument() {
    Policy p =
        Policy.compile(
            List.of(new Source("k.rego", V0)), null, CompileOptions.defaults().withV0(true));

    var r = p.prepare("data.k.test_local_input_feeds_with").eval(null, EvalOptions.defaults());

    assertThat(r.rows()).hasSize(1);
  }

  @Test
  void v1_localInput_isACompileError() {
    String v1 = "package k\np if {\n  input := 1\n  input == 1\n}\n";

    assertThatThrownBy(
            () ->
                Policy.compile(List.of(new Source("k.rego", v1)), null, CompileOptions.defaults()))
        .isInstanceOf(RegoException.class)
        .hasMessageContaining("k.rego:3: rego_compile_error: variables must not shadow input");
  }
}
