package dev.vigil.rego.value;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** An ordered array of values. */
public final class ArrayValue implements Value {

  public static final ArrayValue EMPTY = new ArrayValue(new Value[0]);

  private final Value[] elements;
  private final long unsharedSize;
  private int hash;

  private ArrayValue(Value[] elements) {
    this.elements = elements;
    long n = 1;
    for (Value e : elements) {
      n = Values.addSizes(n, Values.unsharedSize(e));
    }
    this.unsharedSize = n;
  }

  /** Returns an array of the given elements, copying them. */
  public static ArrayValue of(List<? extends Value> elements) {
    return elements.isEmpty() ? EMPTY : new ArrayValue(elements.toArray(new Value[0]));
  }

  public static ArrayValue of(Value... elements) {
    return elements.length == 0 ? EMPTY : new ArrayValue(elements.clone());
  }

  /** Returns an array that takes ownership of the given elements; the caller must not keep it. */
  public static ArrayValue wrap(Value[] elements) {
    return elements.length == 0 ? EMPTY : new ArrayValue(elements);
  }

  public int size() {
    return elements.length;
  }

  /** See {@link Values#unsharedSize}. */
  long unsharedSize() {
    return unsharedSize;
  }

  public Value get(int index) {
    return elements[index];
  }

  /** Returns the elements as an unmodifiable list view. */
  public List<Value> elements() {
    return Collections.unmodifiableList(Arrays.asList(elements));
  }

  @Override
  public String typeName() {
    return "array";
  }

  @Override
  public int kindOrder() {
    return 6;
  }

  @Override
  public boolean equals(Object o) {
    // Equal values have equal sizes: a cheap refusal before an element-by-element walk.
    return o instanceof ArrayValue a
        && a.unsharedSize == unsharedSize
        && Arrays.equals(a.elements, elements);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = ValueHash.array(elements);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return Rego.format(this);
  }
}
