package dev.vigil.rego.value;

/** The JSON {@code null}. There is one instance. */
public final class NullValue implements Value {

  public static final NullValue NULL = new NullValue();

  private NullValue() {}

  @Override
  public String typeName() {
    return "null";
  }

  @Override
  public int kindOrder() {
    return 0;
  }

  @Override
  public String toString() {
    return "null";
  }
}
