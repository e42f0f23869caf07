package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.NumberBuiltinsTest.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class SetBuiltinsTest {

  private static SetValue ints(int... xs) {
    Value[] vs = new Value[xs.length];
    for (int i = 0; i < xs.length; i++) {
      vs[i] = NumberValue.of(xs[i]);
    }
    return SetValue.of(vs);
  }

  @Test
  void operators_twoSets_combine() {
    assertThat(call("and", ints(1, 2, 3), ints(2, 3, 4))).isEqualTo(ints(2, 3));
    assertThat(call("or", ints(1, 2), ints(2, 3))).isEqualTo(ints(1, 2, 3));
  }

  @Test
  void unionAndIntersection_setOfSets_combineAll() {
    assertThat(call("union", SetValue.of(ints(1, 2, 3), ints(2, 3, 4), ints(4, 5))))
        .isEqualTo(ints(1, 2, 3, 4, 5));
    assertThat(call("union", SetValue.EMPTY)).isEqualTo(SetValue.EMPTY);
    assertThat(call("intersection", SetValue.of(ints(1, 2, 3), ints(2, 3, 4))))
        .isEqualTo(ints(2, 3));
    assertThatThrownBy(() -> call("union", SetValue.of(ints(1), NumberValue.of(2))))
        .hasMessage("operand 1 must be set but got number");
  }
}
