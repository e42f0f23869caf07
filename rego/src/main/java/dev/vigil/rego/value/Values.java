package dev.vigil.rego.value;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.LongConsumer;

/** Ordering and sizes of values. */
public final class Values {

  private Values() {}

  /**
   * Returns the size of {@code v} written out in full: one for each value in it, plus the
   * characters of each string, a number the length of its text ({@link NumberValue#writtenLength}),
   * where a value that appears in several places (values share their parts: {@code [x, x]} holds
   * {@code x} once) counts at each place. It is a lower bound on the length of the value's JSON
   * text and on the work of any pass that visits all of it, however little memory the value takes.
   * Saturates at {@link Long#MAX_VALUE}; constant time, as each collection computes it once when it
   * is made.
   */
  public static long unsharedSize(Value v) {
    return switch (v) {
      case ArrayValue a -> a.unsharedSize();
      case ObjectValue o -> o.unsharedSize();
      case SetValue s -> s.unsharedSize();
      case StringValue s -> 1L + s.value().length();
      case NullValue n -> 1;
      case BooleanValue b -> 1;
      case NumberValue n -> n.writtenLength();
    };
  }

  /**
   * Appends {@code v} in Rego term syntax (as {@code toString} writes it) to {@code sb}, telling
   * {@code grown} the length of {@code sb} after each value and every few thousand characters of a
   * long string. A caller that must keep the text within a limit throws from {@code grown}: the
   * text then passes the limit by at most a few thousand characters before it is stopped. {@code
   * charge} (when not null) is told the work of sorting sets and objects' keys (see {@link #sort}),
   * which a caller keeping a time budget charges to it.
   */
  public static void writeTerm(Value v, StringBuilder sb, LongConsumer grown, LongConsumer charge) {
    Rego.write(v, sb, grown, charge);
  }

  /**
   * Returns the entries of {@code o} in the order of their keys' text, as a JSON writer orders
   * them: a string key is its own text, another key has the text {@code keyText} gives it. Keys
   * with one text ({@code 1} and {@code "1"}) follow each other in value order, or with {@code
   * lastWins} only the greater is kept, as Go's encoder keeps it. The keys are sorted with the work
   * told to {@code charge} (see {@link #sort}), which may be null.
   */
  public static List<Map.Entry<String, Value>> entriesByText(
      ObjectValue o, Function<Value, String> keyText, boolean lastWins, LongConsumer charge) {
    List<Value> keys = o.keys(charge);
    List<Map.Entry<String, Value>> out = new ArrayList<>(keys.size());
    boolean allStrings = true;
    for (Value k : keys) {
      allStrings &= k instanceof StringValue;
    }
    if (allStrings) {
      // Strings order by their text already.
      for (Value k : keys) {
        out.add(Map.entry(((StringValue) k).value(), o.get(k)));
      }
      return out;
    }
    Map<String, List<Value>> byText = new HashMap<>();
    for (Value k : keys) {
      String text = k instanceof StringValue s ? s.value() : keyText.apply(k);
      List<Value> values = byText.computeIfAbsent(text, t -> new ArrayList<>(1));
      if (lastWins) {
        values.clear();
      }
      values.add(o.get(k));
    }
    Value[] texts = new Value[byText.size()];
    int i = 0;
    for (String t : byText.keySet()) {
      texts[i++] = StringValue.of(t);
    }
    sort(texts, charge);
    for (Value t : texts) {
      String text = ((StringValue) t).value();
      for (Value v : byText.get(text)) {
        out.add(Map.entry(text, v));
      }
    }
    return out;
  }

  /** Adds two sizes, saturating at {@link Long#MAX_VALUE}. */
  static long addSizes(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /**
   * Compares two values as {@link #compare(Value, Value)} does, telling {@code charge} the work as
   * it goes: a unit per element of a collection visited (so per pair of elements compared), plus a
   * unit per 16 characters of strings compared. A caller keeping a time budget throws from {@code
   * charge} to stop a comparison of deep values that runs past it. A caller that compares often
   * holds a {@link Meter} instead, which allocates nothing per comparison.
   */
  public static int compare(Value a, Value b, LongConsumer charge) {
    return new Meter(charge).compare(a, b);
  }

  /**
   * Returns whether two values are equal, as {@link Object#equals} does, telling {@code charge} the
   * work as it goes, as {@link #compare(Value, Value, LongConsumer)} does.
   */
  public static boolean equal(Value a, Value b, LongConsumer charge) {
    return new Meter(charge).equal(a, b);
  }

  /**
   * Sorts values in place as {@link #compare(Value, Value, LongConsumer)} compares them, telling
   * {@code charge} the work: a unit per value, and each comparison's walk. A sort of n values is n
   * log n comparisons, each as deep as the values, so a caller keeping a time budget charges it
   * rather than the values' size alone. With a null {@code charge} it is a plain sort.
   */
  public static void sort(Value[] xs, LongConsumer charge) {
    if (charge == null) {
      Arrays.sort(xs);
      return;
    }
    Meter m = new Meter(charge);
    m.step(xs.length);
    Arrays.sort(xs, (x, y) -> compare(x, y, m));
    m.flush();
  }

  /**
   * Comparison and equality that report their work to a consumer in batches of {@link #BATCH}
   * units: a counter increment per element, a call of the consumer once a batch has built up and
   * once at the end of each comparison, so that many small comparisons add up.
   *
   * <p>Used by one thread; hold one per query rather than one per comparison.
   */
  public static final class Meter {
    static final int BATCH = 256;

    private final LongConsumer charge;
    private int units;

    /** Returns a meter reporting to {@code charge}, which may throw to stop a comparison. */
    public Meter(LongConsumer charge) {
      this.charge = charge;
    }

    /** Compares two values as {@link Values#compare(Value, Value)} does, reporting the work. */
    public int compare(Value a, Value b) {
      int c = Values.compare(a, b, this);
      flush();
      return c;
    }

    /** Returns whether two values are equal, as {@link Object#equals} does, reporting the work. */
    public boolean equal(Value a, Value b) {
      boolean eq = equalWalk(a, b);
      flush();
      return eq;
    }

    void flush() {
      if (units > 0) {
        int u = units;
        units = 0;
        charge.accept(u);
      }
    }

    void step(int n) {
      units += n;
      if (units >= BATCH) {
        int u = units;
        units = 0;
        charge.accept(u);
      }
    }

    /** The elements of a set in order, sorted (the first time) with the work reported. */
    List<Value> elements(SetValue s) {
      return s.elements(charge);
    }

    private boolean equalWalk(Value a, Value b) {
      step(1);
      if (a == b) {
        return true;
      }
      // Equal values have equal sizes: a cheap refusal before the walk, as equals makes.
      if (a.kindOrder() != b.kindOrder() || unsharedSize(a) != unsharedSize(b)) {
        return false;
      }
      return switch (a) {
        case StringValue x -> {
          step(x.value().length() >> 4);
          yield x.equals(b);
        }
        case ArrayValue x -> {
          ArrayValue y = (ArrayValue) b;
          if (x.size() != y.size()) {
            yield false;
          }
          for (int i = 0; i < x.size(); i++) {
            if (!equalWalk(x.get(i), y.get(i))) {
              yield false;
            }
          }
          yield true;
        }
        case ObjectValue x -> {
          ObjectValue y = (ObjectValue) b;
          if (x.size() != y.size()) {
            yield false;
          }
          for (Value k : x.keys(charge)) {
            Value other = y.get(k);
            if (other == null || !equalWalk(x.get(k), other)) {
              yield false;
            }
          }
          yield true;
        }
        case SetValue x -> {
          // Sets of equal size are equal when their sorted elements are.
          SetValue y = (SetValue) b;
          yield x.size() == y.size() && compareLists(elements(x), elements(y), this) == 0;
        }
        default -> a.equals(b);
      };
    }
  }

  /** Compares two values: first by kind, then within the kind. */
  public static int compare(Value a, Value b) {
    return compare(a, b, (Meter) null);
  }

  /**
   * Compares two values, reporting the work to {@code m} when it is not null. One walk serves the
   * metered comparison and the plain one ({@link Value#compareTo}, which sorts sets and object
   * keys): the plain one pays a null test per element, and allocates nothing.
   */
  private static int compare(Value a, Value b, Meter m) {
    if (m != null) {
      m.step(1);
    }
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
      case StringValue x -> {
        String y = ((StringValue) b).value();
        if (m != null) {
          m.step(Math.min(x.value().length(), y.length()) >> 4);
        }
        yield x.value().compareTo(y);
      }
      case ArrayValue x -> compareArrays(x, (ArrayValue) b, m);
      case ObjectValue x -> compareObjects(x, (ObjectValue) b, m);
      case SetValue x ->
          m == null
              ? compareLists(x.elements(), ((SetValue) b).elements(), null)
              : compareLists(m.elements(x), m.elements((SetValue) b), m);
    };
  }

  private static int compareArrays(ArrayValue a, ArrayValue b, Meter m) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i), m);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareLists(List<Value> a, List<Value> b, Meter m) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = compare(a.get(i), b.get(i), m);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareObjects(ObjectValue a, ObjectValue b, Meter m) {
    List<Value> ka = m == null ? a.keys() : a.keys(m.charge);
    List<Value> kb = m == null ? b.keys() : b.keys(m.charge);
    int n = Math.min(ka.size(), kb.size());
    for (int i = 0; i < n; i++) {
      int c = compare(ka.get(i), kb.get(i), m);
      if (c != 0) {
        return c;
      }
      c = compare(a.get(ka.get(i)), b.get(kb.get(i)), m);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(ka.size(), kb.size());
  }
}
