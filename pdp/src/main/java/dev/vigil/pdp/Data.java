package dev.vigil.pdp;

import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.Value;
import java.util.HashMap;
import java.util.Map;

/** Operations on base documents. */
final class Data {

  private Data() {}

  /** Merges {@code over} into {@code base}, object by object; {@code over} wins elsewhere. */
  static ObjectValue merge(ObjectValue base, ObjectValue over) {
    if (over.size() == 0) {
      return base;
    }
    if (base.size() == 0) {
      return over;
    }
    Map<Value, Value> m = new HashMap<>(base.asMap());
    for (Value k : over.keys()) {
      Value b = m.get(k);
      Value o = over.get(k);
      if (b instanceof ObjectValue bo && o instanceof ObjectValue oo) {
        m.put(k, merge(bo, oo));
      } else {
        m.put(k, o);
      }
    }
    return ObjectValue.wrap(m);
  }
}
