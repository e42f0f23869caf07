package dev.vigil.rego.compile;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Location;

/**
 * The work one compilation may do, counted in steps, and the rule it is compiling.
 *
 * <p>Why: most of compiling is a pass or two over the policy, but ordering a body for safety is
 * not. It tries each pending expression until one is ready, and gives every closure (comprehension,
 * {@code every}, {@code or}) a copy of the variables around it and a walk of the bodies inside it,
 * so a body of thousands of expressions, or thousands of comprehensions beside thousands of local
 * variables, costs the product of the two: seconds to minutes for a policy of a few hundred
 * kilobytes. Compilation has no clock (a policy compiles or not, the same on every machine), so it
 * counts steps instead: a term walked, a variable copied, an expression tried, a rule placed.
 *
 * <p>The limit is {@link #FLOOR} steps plus {@link #PER_RULE} for each rule, so that a bundle of
 * very many ordinary rules compiles whatever its size while no one rule may take more than about a
 * second. It is far above what real policies need: OPA's conformance suite compiles every case in
 * under 6,000 steps, and a module of 4,000 rules of one comparison each in 100,000. One instance
 * per compilation, used by one thread.
 */
final class CompileWork {

  /** The steps any compilation may take, some tens of nanoseconds each: 2^23. */
  static final long FLOOR = 1L << 23;

  /** The steps each rule adds to the limit. */
  static final long PER_RULE = 4096;

  private final long max;
  private long steps;
  private Location rule = Location.NONE;

  /** Starts counting the compilation of {@code rules} rules (0 for a query). */
  CompileWork(long rules) {
    this.max = FLOOR + PER_RULE * rules;
  }

  /** Notes that the rule (or query) at {@code where} is being compiled, for the error. */
  void at(Location where) {
    rule = where;
  }

  /**
   * Counts {@code n} steps.
   *
   * @throws RegoException {@code rego_compile_error} naming the rule being compiled when the
   *     compilation has taken more than its limit of steps
   */
  void charge(long n) {
    steps += n;
    if (steps > max) {
      throw new RegoException(
          new RegoError(
              "rego_compile_error",
              "policy too costly to compile: the limit of "
                  + max
                  + " steps of work was reached in this rule (ordering its expressions and"
                  + " closures); split it into smaller rules, with fewer expressions or"
                  + " comprehensions in one body",
              rule));
    }
  }

  /** The error of a rule whose terms nest deeper than the compiler's stack, even a deep one. */
  RegoException tooDeep() {
    return new RegoException(
        new RegoError(
            "rego_compile_error",
            "policy too deeply nested to compile: an expression of this rule nests its terms"
                + " (operators, calls, collections) deeper than the compiler can follow; split it"
                + " into smaller expressions",
            rule));
  }
}
