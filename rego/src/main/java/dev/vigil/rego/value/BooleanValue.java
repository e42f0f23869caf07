package dev.vigil.rego.value;

/** A JSON boolean. There are two instances, so {@code ==} compares them. */
public final class BooleanValue implements Value {

  public static final BooleanValue FALSE = new BooleanValue(false);
  public static final BooleanValue TRUE = new BooleanValue(true);

  private final boolean value;

  private BooleanValue(boolean value) {
    this.value = value;
  }

  public static BooleanValue of(boolean b) {
    return b ? TRUE : FALSE;
  }

  public boolean value() {
    return value;
  }

  @Override
  public String typeName() {
    return "boolean";
  }

  @Override
  public int kindOrder() {
    return 1;
  }

  @Override
  public String toString() {
    return Boolean.toString(value);
  }
}
