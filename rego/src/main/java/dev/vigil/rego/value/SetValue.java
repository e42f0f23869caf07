package dev.vigil.rego.value;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A set of values. Iteration through {@link #elements()} is in sorted order, as OPA's. */
public final class SetValue implements Value {

  public static final SetValue EMPTY = new SetValue(Set.of());

  private final Set<Value> set;
  private final long unsharedSize;
  private volatile Value[] sorted;
  private int hash;

  private SetValue(Set<Value> set) {
    this.set = set;
    long n = 1;
    for (Value e : set) {
      n = Values.addSizes(n, Values.unsharedSize(e));
    }
    this.unsharedSize = n;
  }

  /** Returns a set of the given elements, copying them. */
  public static SetValue of(Collection<? extends Value> elements) {
    return elements.isEmpty() ? EMPTY : new SetValue(new HashSet<>(elements));
  }

  public static SetValue of(Value... elements) {
    return of(Arrays.asList(elements));
  }

  /** Returns a set that takes ownership of the given set; the caller must not change it. */
  public static SetValue wrap(Set<Value> elements) {
    return elements.isEmpty() ? EMPTY : new SetValue(elements);
  }

  public int size() {
    return set.size();
  }

  /** See {@link Values#unsharedSize}. */
  long unsharedSize() {
    return unsharedSize;
  }

  public boolean contains(Value v) {
    return set.contains(v);
  }

  /** Returns the elements in sorted order. */
  public List<Value> elements() {
    return elements(null);
  }

  /**
   * Returns the elements in sorted order, telling {@code charge} (when not null) the work of
   * sorting them, the first time they are asked for, as {@link Values#compare(Value, Value,
   * java.util.function.LongConsumer)} does: a sort of deep values is n log n walks of them, which a
   * caller keeping a time budget stops by throwing from {@code charge}.
   */
  public List<Value> elements(java.util.function.LongConsumer charge) {
    Value[] s = sorted;
    if (s == null) {
      s = set.toArray(new Value[0]);
      Values.sort(s, charge);
      sorted = s;
    }
    return Collections.unmodifiableList(Arrays.asList(s));
  }

  /** Returns the elements as an unmodifiable set (iteration order unspecified). */
  public Set<Value> asSet() {
    return Collections.unmodifiableSet(set);
  }

  @Override
  public String typeName() {
    return "set";
  }

  @Override
  public int kindOrder() {
    return 8;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SetValue other
        && other.unsharedSize == unsharedSize
        && other.set.equals(set);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      long sum = 0;
      for (Value e : set) {
        sum += ValueHash.member(e);
      }
      h = ValueHash.set(sum, set.size());
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return Rego.format(this);
  }
}
