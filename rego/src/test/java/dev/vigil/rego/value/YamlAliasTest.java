package dev.vigil.rego.value;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * YAML aliases against a "billion laughs" document. SnakeYAML's limit of 50 aliases to collections
 * let a chain of 20 doubling anchors through, which built two million strings from 500 characters;
 * the values built are now bounded by the text's length plus {@link Yaml#ALIAS_EXPANSION}.
 */
class YamlAliasTest {

  private static String doubling(int levels) {
    StringBuilder y = new StringBuilder("a0: &a0 [x, x]\n");
    for (int i = 1; i <= levels; i++) {
      y.append("a").append(i).append(": &a").append(i);
      y.append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
    }
    return y.toString();
  }

  @Test
  void parse_doublingChainPastTheBound_isRefusedNamingAliases() {
    assertThatThrownBy(() -> Yaml.parse(doubling(20)))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("aliases expand to more than 1000000 values")
        .hasMessageContaining("alias bomb");
  }

  @Test
  void parse_aliasesWithinTheBound_areExpanded() {
    Value v = Yaml.parse(doubling(3) + "base: &b {k: 1}\nuse: {<<: *b, j: 2}\n");

    assertThat(((ObjectValue) v).get(StringValue.of("use")).toJson())
        .isEqualTo("{\"j\":2,\"k\":1}");
    assertThat(((ObjectValue) v).get(StringValue.of("a3")).toJson()).contains("\"x\"");
  }
}
