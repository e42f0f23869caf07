package dev.vigil.rego.value;

import java.util.List;

/** Ordering and sizes of values. */
public final class Values {

  private Values() {}

  /**
   * Returns the size of {@code v} written out in full: one for each value in it, plus the
   * characters of each string, where a value that appears in several places (values share their
   * parts: {@code [x, x]} holds {@code x} once) counts at each place. It is a lower bound on the
   * length of the value's JSON text and on the work of any pass that visits all of it, however
   * little memory the value takes. Saturates at {@link Long#MAX_VALUE}; constant time, as each
   * collection computes it once when it is made.
   */
  public static long unsharedSize(Value v) {
    return switch (v) {
      case ArrayValue a -> a.unsharedSize();
      case ObjectValue o -> o.unsharedSize();
      case SetValue s -> s.unsharedSize();
      case StringValue s -> 1L + s.value().length();
      case NullValue n -> 1;
      case BooleanValue b -> 1;
      case NumberValue n -> 1;
    };
  }

  /** Adds two sizes, saturating at {@link Long#MAX_VALUE}. */
  static long addSizes(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** Compares two values: first by kind, then within the kind. */
  public static int compare(Value a, Value b) {
    if (a == b) {
      return 0;
    }
    int kinds = Integer.compare(a.kindOrder(), b.kindOrder());
    if (kinds != 0) {
      return kinds;
    }
    return switch (a) {
      case NullValue n -> 0;
      case BooleanValue x -> Boolean.compare(x.value(), ((BooleanValue) b).value());
      case NumberValue x -> x.bigDecimal().compareTo(((NumberValue) b).bigDecimal());
      case StringValue x -> x.value().compareTo(((StringValue) b).value());
      case ArrayValue x -> compareArrays(x, (ArrayValue) b);
      case ObjectValue x -> compareObjects(x, (ObjectValue) b);
      case SetValue x -> compareLists(x.elements(), ((SetValue) b).elements());
    };
  }

  private static int compareArrays(ArrayValue a, ArrayValue b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareLists(List<Value> a, List<Value> b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareObjects(ObjectValue a, ObjectValue b) {
    List<Value> ka = a.keys();
    List<Value> kb = b.keys();
    int n = Math.min(ka.size(), kb.size());
    for (int i = 0; i < n; i++) {
      int c = compare(ka.get(i), kb.get(i));
      if (c != 0) {
        return c;
      }
      c = compare(a.get(ka.get(i)), b.get(kb.get(i)));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(ka.size(), kb.size());
  }
}
