package dev.vigil.rego;

import dev.vigil.rego.ast.Module;
import dev.vigil.rego.value.Value;
import java.util.List;

/**
 * A compiled set of Rego modules with their base data. Immutable and thread-safe: compile once,
 * then evaluate from any number of threads.
 */
public final class Policy {

  private Policy() {}

  /**
   * Parses and compiles modules.
   *
   * @param modules the Rego files
   * @param data the base document under {@code data}, or null for an empty one
   * @throws RegoException listing every parse and compile error
   */
  public static Policy compile(List<Source> modules, Value data, CompileOptions options) {
    throw new UnsupportedOperationException("the evaluator is not built yet");
  }

  /** Parses and compiles a query against this policy. */
  public PreparedQuery prepare(String query) {
    throw new UnsupportedOperationException("the evaluator is not built yet");
  }

  /** Returns the parsed modules. */
  public List<Module> modules() {
    throw new UnsupportedOperationException("the evaluator is not built yet");
  }
}
