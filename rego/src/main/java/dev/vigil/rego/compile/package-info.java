/**
 * Compiles parsed Rego modules for evaluation.
 *
 * <p>{@link dev.vigil.rego.compile.Compiler} works in stages, each reporting every problem it finds
 * before the next stage runs:
 *
 * <ol>
 *   <li><b>Placement.</b> Each rule goes to a {@link dev.vigil.rego.compile.RuleNode} of the rule
 *       tree under {@code data}: its package path plus the constant prefix of its head ref. The
 *       rest of the head ref (variables, such as {@code p[x].r}) stays with the rule as its suffix.
 *       All rules of one node share a {@link dev.vigil.rego.compile.RuleSet.Kind}; mixing kinds is
 *       {@code rego_type_error: conflicting rules ... found}.
 *   <li><b>Names.</b> The {@code Rewriter} renames variables declared with {@code :=}, {@code
 *       some}, function parameters and {@code every} to unique names per scope (so shadowing and
 *       sibling closures never collide), turns wildcards into fresh variables, resolves rule names
 *       and import aliases to refs under {@code data}, and binds every call to a {@link
 *       dev.vigil.rego.compile.CallTarget}. Deprecated builtins are only visible to v0 modules.
 *   <li><b>Safety.</b> {@code Safety} orders each body so that every variable is bound before an
 *       expression reads it, as OPA does, and reports {@code rego_unsafe_var_error} otherwise.
 *   <li><b>Recursion.</b> A rule that depends on itself, through rules, functions or refs to whole
 *       packages, is {@code rego_recursion_error}.
 *   <li><b>Indexes.</b> A {@link dev.vigil.rego.compile.RuleIndex} per rule set keys rules on the
 *       input path whose constant comparisons narrow them best.
 * </ol>
 *
 * <p>The result, {@link dev.vigil.rego.compile.CompiledPolicy}, is immutable and shared by every
 * evaluation. Compile-time type checking is limited to arity and the existence of functions;
 * operand types are checked when a builtin runs.
 */
package dev.vigil.rego.compile;
