package dev.vigil.rego.value;

/** Writes values in Rego term syntax, where sets are {@code {1, 2}} and {@code set()}. */
final class Rego {

  private Rego() {}

  static String format(Value v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb);
    return sb.toString();
  }

  static void write(Value v, StringBuilder sb) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> Json.quote(s.value(), sb);
      case ArrayValue a -> {
        sb.append('[');
        for (int i = 0; i < a.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          write(a.get(i), sb);
        }
        sb.append(']');
      }
      case ObjectValue o -> {
        sb.append('{');
        boolean first = true;
        for (Value k : o.keys()) {
          if (!first) {
            sb.append(", ");
          }
          first = false;
          write(k, sb);
          sb.append(": ");
          write(o.get(k), sb);
        }
        sb.append('}');
      }
      case SetValue s -> {
        if (s.size() == 0) {
          sb.append("set()");
          return;
        }
        sb.append('{');
        boolean first = true;
        for (Value e : s.elements()) {
          if (!first) {
            sb.append(", ");
          }
          first = false;
          write(e, sb);
        }
        sb.append('}');
      }
    }
  }
}
