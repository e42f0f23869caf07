package dev.vigil.rego.builtins;

import dev.vigil.rego.value.Value;

/**
 * Thrown by a builtin that cannot produce a value. The evaluator prefixes the builtin's name and
 * the location: {@code test.rego:4: eval_type_error: count: operand 1 must be ...}.
 *
 * <p>As in OPA, a builtin error of either code ({@code eval_type_error} or {@code
 * eval_builtin_error}) stops evaluation only with strict builtin errors; otherwise the call is
 * undefined. A limit of Vigil's own ({@link #limit}) is an {@code eval_cancel_error} that always
 * stops the query.
 */
public final class BuiltinException extends RuntimeException {

  public static final String TYPE_ERROR = "eval_type_error";
  public static final String BUILTIN_ERROR = "eval_builtin_error";
  public static final String CANCEL_ERROR = "eval_cancel_error";

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

  /**
   * Returns an {@code eval_cancel_error} for a limit that Vigil sets and OPA does not (a range too
   * long to build, a number with too many digits): OPA would compute a value there, so the call
   * must not turn undefined, where a {@code not} or a {@code default} would decide instead. The
   * query stops whether builtin errors are strict or not, and a decision fails closed.
   */
  public static BuiltinException limit(String message) {
    return new BuiltinException(CANCEL_ERROR, message);
  }

  /** Returns whether this error stops the query even when builtin errors are lenient. */
  public boolean stopsQuery() {
    return CANCEL_ERROR.equals(code);
  }

  public String code() {
    return code;
  }
}
