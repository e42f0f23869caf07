package dev.vigil.rego.value;

/**
 * A Rego value: the data that policies read and produce.
 *
 * <p>Values are immutable and thread-safe. Equality and ordering follow OPA: values of different
 * kinds order as null &lt; boolean &lt; number &lt; string &lt; array &lt; object &lt; set, numbers
 * compare by magnitude (so {@code 1} equals {@code 1.0}), arrays element by element, objects by
 * their sorted keys then values, and sets by their sorted elements.
 */
public sealed interface Value extends Comparable<Value>
    permits NullValue, BooleanValue, NumberValue, StringValue, ArrayValue, ObjectValue, SetValue {

  /** Returns the kind of this value as OPA's {@code type_name} builtin names it. */
  String typeName();

  /** Returns the rank of this value's kind in OPA's cross-kind ordering. */
  int kindOrder();

  @Override
  default int compareTo(Value other) {
    return Values.compare(this, other);
  }

  /** Returns this value as compact JSON, with sets written as arrays and keys sorted. */
  default String toJson() {
    return Json.write(this);
  }
}
