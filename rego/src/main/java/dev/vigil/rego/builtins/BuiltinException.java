package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Value;

/**
 * Thrown by a builtin that cannot produce a value. The evaluator prefixes the builtin's name and
 * the location: {@code test.rego:4: eval_type_error: count: operand 1 must be ...}.
 *
 * <p>As in OPA, a builtin error of either code ({@code eval_type_error} or {@code
 * eval_builtin_error}) stops evaluation only with strict builtin errors; otherwise the call is
 * undefined.
 */
public final class BuiltinException extends RuntimeException {

  public static final String TYPE_ERROR = "eval_type_error";
  public static final String BUILTIN_ERROR = "eval_builtin_error";

  private final String code;

  public BuiltinException(String code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  /** Returns {@code operand N must be EXPECTED but got KIND}. */
  public static BuiltinException operandType(int operand, Value got, String expected) {
    return new BuiltinException(
        TYPE_ERROR, "operand " + operand + " must be " + expected + " but got " + got.typeName());
  }

  /** Returns an {@code eval_type_error} with the given message. */
  public static BuiltinException type(String message) {
    return new BuiltinException(TYPE_ERROR, message);
  }

  /** Returns an {@code eval_builtin_error} with the given message. */
  public static BuiltinException error(String message) {
    return new BuiltinException(BUILTIN_ERROR, message);
  }

  public String code() {
    return code;
  }
}
