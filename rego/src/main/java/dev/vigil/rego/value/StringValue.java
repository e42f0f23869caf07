package dev.vigil.rego.value;

/**
 * A string of Unicode text.
 *
 * <p>Its hash code is keyed ({@link ValueHash}), not {@link String#hashCode}, so that an input
 * cannot fill a set or an object with keys of one hash code; computed once, when first asked for.
 */
public final class StringValue implements Value {

  public static final StringValue EMPTY = new StringValue("");

  private final String value;
  private int hash;

  public StringValue(String value) {
    if (value == null) {
      throw new NullPointerException("string value must not be null");
    }
    this.value = value;
  }

  public static StringValue of(String s) {
    return s.isEmpty() ? EMPTY : new StringValue(s);
  }

  /** Returns the text. */
  public String value() {
    return value;
  }

  @Override
  public String typeName() {
    return "string";
  }

  @Override
  public int kindOrder() {
    return 3;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StringValue s && s.value.equals(value);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = ValueHash.string(value);
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return Json.quote(value);
  }
}
