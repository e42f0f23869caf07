package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The result of compiling modules: the rule tree and what the evaluator needs to run it. Immutable
 * after compilation; safe to share between threads.
 *
 * @param modules the modules as parsed
 * @param root the root of the rule tree ({@code data})
 * @param data the base document
 * @param targets the target of every call in rules and compiled queries, by identity
 * @param functionValues terms that name a function as the value of a {@code with} modifier
 * @param registry the builtins
 * @param indexing whether rule sets use their indexes
 */
public record CompiledPolicy(
    List<Module> modules,
    RuleNode root,
    Value data,
    Map<Term.Call, CallTarget> targets,
    Set<Term> functionValues,
    BuiltinRegistry registry,
    boolean indexing) {

  /** Returns the same policy with other base data. */
  public CompiledPolicy withData(Value newData) {
    return new CompiledPolicy(modules, root, newData, targets, functionValues, registry, indexing);
  }

  /** Returns the same policy with rule indexing turned on or off. */
  public CompiledPolicy withIndexing(boolean on) {
    return new CompiledPolicy(modules, root, data, targets, functionValues, registry, on);
  }

  /** Returns the node at the given path, or null. */
  public RuleNode node(List<Value> path) {
    RuleNode n = root;
    for (Value k : path) {
      n = n.children().get(k);
      if (n == null) {
        return null;
      }
    }
    return n;
  }
}
