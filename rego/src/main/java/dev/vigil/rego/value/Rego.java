package dev.vigil.rego.value;

import java.util.function.LongConsumer;

/** Writes values in Rego term syntax, where sets are {@code {1, 2}} and {@code set()}. */
final class Rego {

  private static final LongConsumer UNWATCHED = length -> {};

  private Rego() {}

  static String format(Value v) {
    StringBuilder sb = new StringBuilder();
    write(v, sb, UNWATCHED, null);
    return sb.toString();
  }

  /**
   * Appends {@code v} to {@code sb}, telling {@code grown} the length of {@code sb} after each
   * value and every few thousand characters of a string, so that it can stop a write that grows too
   * long by throwing, and {@code charge} (when not null) the work of sorting sets and keys.
   */
  static void write(Value v, StringBuilder sb, LongConsumer grown, LongConsumer charge) {
    switch (v) {
      case NullValue n -> sb.append("null");
      case BooleanValue b -> sb.append(b.value());
      case NumberValue n -> sb.append(n);
      case StringValue s -> Json.quote(s.value(), sb, grown);
      case ArrayValue a -> {
        sb.append('[');
        for (int i = 0; i < a.size(); i++) {
          if (i > 0) {
            sb.append(", ");
          }
          write(a.get(i), sb, grown, charge);
        }
        sb.append(']');
      }
      case ObjectValue o -> {
        sb.append('{');
        boolean first = true;
        for (Value k : o.keys(charge)) {
          if (!first) {
            sb.append(", ");
          }
          first = false;
          write(k, sb, grown, charge);
          sb.append(": ");
          write(o.get(k), sb, grown, charge);
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
        for (Value e : s.elements(charge)) {
          if (!first) {
            sb.append(", ");
          }
          first = false;
          write(e, sb, grown, charge);
        }
        sb.append('}');
      }
    }
    grown.accept(sb.length());
  }
}
