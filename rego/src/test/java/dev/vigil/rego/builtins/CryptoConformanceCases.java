package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Reads calls of one builtin taken from OPA's conformance cases (a JSON list of {@code note},
 * {@code builtin}, {@code args} and {@code want} or {@code error}) and checks them through the
 * registry, as the evaluator would call them.
 */
final class CryptoConformanceCases {

  private CryptoConformanceCases() {}

  static Stream<Arguments> load(String resource) {
    try (InputStream in = CryptoConformanceCases.class.getResourceAsStream(resource)) {
      ArrayValue cases = (ArrayValue) Json.parse(in);
      List<Arguments> out = new ArrayList<>();
      for (Value c : cases.elements()) {
        ObjectValue o = (ObjectValue) c;
        out.add(Arguments.of(((StringValue) o.get("note")).value(), o));
      }
      return out.stream();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static void check(ObjectValue c) {
    String name = ((StringValue) c.get("builtin")).value();
    Value[] args = ((ArrayValue) c.get("args")).elements().toArray(Value[]::new);
    Builtin b = BuiltinRegistry.standard().get(name);
    assertThat(b).as(name).isNotNull();
    if (c.get("error") instanceof StringValue want) {
      String expected =
          want.value().replaceFirst("^" + java.util.regex.Pattern.quote(name) + ": ", "");
      assertThatThrownBy(() -> b.invoke(SimpleBuiltinContext.system(), args))
          .isInstanceOf(BuiltinException.class)
          .hasMessageContaining(expected);
    } else {
      assertThat(b.invoke(SimpleBuiltinContext.system(), args)).isEqualTo(c.get("want"));
    }
  }
}
