package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class RandBuiltinsTest {

  private static Value call(BuiltinContext ctx, String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(ctx, args);
  }

  @Test
  void randIntn_sameOperandsInOneQuery_isStableAndInRange() {
    BuiltinContext ctx = SimpleBuiltinContext.system();
    Value first = call(ctx, "rand.intn", StringValue.of("k"), Json.parse("100"));
    for (int i = 0; i < 20; i++) {
      assertThat(call(ctx, "rand.intn", StringValue.of("k"), Json.parse("100"))).isEqualTo(first);
      Value other =
          call(SimpleBuiltinContext.system(), "rand.intn", StringValue.of("k"), Json.parse("-3"));
      assertThat(Json.parse("[0, 1, 2]").toString()).contains(other.toString());
    }
    assertThat(call(ctx, "rand.intn", StringValue.of("k"), Json.parse("0")))
        .isEqualTo(Json.parse("0"));
  }
}
