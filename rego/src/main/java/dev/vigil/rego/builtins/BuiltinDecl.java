package dev.vigil.rego.builtins;

import java.util.List;

/**
 * The declaration of a builtin: its name, operand and result types, and a short description.
 *
 * @param name the full name, such as {@code count} or {@code strings.reverse}
 * @param args the operand types
 * @param result the result type
 * @param description one sentence for docs and the coverage report
 * @param nondeterministic true when the result may differ between calls with the same operands
 */
public record BuiltinDecl(
    String name, List<Type> args, Type result, String description, boolean nondeterministic) {

  public static BuiltinDecl of(String name, List<Type> args, Type result, String description) {
    return new BuiltinDecl(name, args, result, description, false);
  }

  public int arity() {
    return args.size();
  }
}
