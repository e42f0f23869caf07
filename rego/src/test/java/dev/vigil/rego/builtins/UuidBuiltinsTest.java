package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UuidBuiltinsTest {

  private static Value call(BuiltinContext ctx, String name, Value... args) {
    return BuiltinRegistry.standard().get(name).invoke(ctx, args);
  }

  @Test
  void rfc4122_sameKeyInOneQuery_isStableAndVersion4() {
    BuiltinContext ctx = SimpleBuiltinContext.system();
    Value a = call(ctx, "uuid.rfc4122", StringValue.of("key"));
    assertThat(call(ctx, "uuid.rfc4122", StringValue.of("key"))).isEqualTo(a);
    assertThat(call(ctx, "uuid.rfc4122", StringValue.of("other"))).isNotEqualTo(a);
    assertThat(call(SimpleBuiltinContext.system(), "uuid.rfc4122", StringValue.of("key")))
        .isNotEqualTo(a);
    assertThat(((StringValue) a).value())
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(call(ctx, "uuid.parse", a))
        .isEqualTo(Json.parse("{\"variant\": \"RFC4122\", \"version\": 4}"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "000003e8-48b9-21ee-b200-325096b39f47",
        "URN:UUID:000003e8-48b9-21ee-b200-325096b39f47",
        "{000003e8-48b9-21ee-b200-325096b39f47}",
        "000003e848b921eeb200325096b39f47",
      })
  void parse_version2_decodesFields(String s) {
    assertThat(call(SimpleBuiltinContext.system(), "uuid.parse", StringValue.of(s)))
        .isEqualTo(
            Json.parse(
                "{\"clocksequence\": 12800, \"domain\": \"Person\", \"id\": 1000,"
                    + " \"macvariables\": \"local:unicast\", \"nodeid\": \"32-50-96-b3-9f-47\","
                    + " \"time\": 1693566990121469600, \"variant\": \"RFC4122\", \"version\": 2}"));
  }

  @Test
  void parse_notAUuid_isUndefined() {
    assertThat(call(SimpleBuiltinContext.system(), "uuid.parse", StringValue.of("nope"))).isNull();
    assertThat(
            call(
                SimpleBuiltinContext.system(),
                "uuid.parse",
                StringValue.of("6bea8ef2d3d33cd184e09bab06a52ece")))
        .isEqualTo(Json.parse("{\"variant\": \"RFC4122\", \"version\": 3}"));
  }
}
