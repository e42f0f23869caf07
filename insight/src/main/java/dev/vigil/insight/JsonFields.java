package dev.vigil.insight;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the values of the reports' JSON answers; null becomes JSON null. */
final class JsonFields {

  private JsonFields() {}

  static Value str(String s) {
    return s == null ? NullValue.NULL : StringValue.of(s);
  }

  static Value time(Instant t) {
    return t == null ? NullValue.NULL : StringValue.of(t.toString());
  }

  static Value strings(List<String> items) {
    return ArrayValue.of(items.stream().map(s -> (Value) StringValue.of(s)).toList());
  }

  /** An object whose fields keep the order of {@code m}. */
  static Value obj(Map<String, Value> m) {
    Map<Value, Value> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(StringValue.of(k), v));
    return ObjectValue.of(out);
  }
}
