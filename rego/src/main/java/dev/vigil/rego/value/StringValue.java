package dev.vigil.rego.value;

/** A string of Unicode text. */
public record StringValue(String value) implements Value {

  public static final StringValue EMPTY = new StringValue("");

  public StringValue {
    if (value == null) {
      throw new NullPointerException("string value must not be null");
    }
  }

  public static StringValue of(String s) {
    return s.isEmpty() ? EMPTY : new StringValue(s);
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
  public String toString() {
    return Json.quote(value);
  }
}
