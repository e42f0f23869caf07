package dev.vigil.rego;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.CompiledQuery;
import dev.vigil.rego.compile.Compiler;
import dev.vigil.rego.parse.Parser;
import dev.vigil.rego.parse.ParserOptions;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled set of Rego modules with their base data. Immutable and thread-safe: compile once,
 * then evaluate from any number of threads.
 */
public final class Policy {

  private final CompiledPolicy compiled;
  private final CompileOptions options;

  private Policy(CompiledPolicy compiled, CompileOptions options) {
    this.compiled = compiled;
    this.options = options;
  }

  /**
   * Parses and compiles modules.
   *
   * @param modules the Rego files
   * @param data the base document under {@code data}, or null for an empty one
   * @throws RegoException listing every parse and compile error
   */
  public static Policy compile(List<Source> modules, Value data, CompileOptions options) {
    ParserOptions po = new ParserOptions(options.v0Compatible(), options.experimentalKeywords());
    List<Module> parsed = new ArrayList<>(modules.size());
    List<RegoError> errors = new ArrayList<>();
    for (Source s : modules) {
      try {
        parsed.add(Parser.parseModule(s.name(), s.text(), po));
      } catch (RegoException e) {
        errors.addAll(e.errors());
      }
    }
    if (!errors.isEmpty()) {
      throw new RegoException(errors);
    }
    return compileModules(parsed, data, options);
  }

  /**
   * Compiles modules that are already parsed.
   *
   * @throws RegoException listing every compile error
   */
  public static Policy compileModules(List<Module> modules, Value data, CompileOptions options) {
    try {
      return new Policy(Compiler.compile(modules, data, options.builtins()), options);
    } catch (RegoException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RegoException(
          new RegoError(
              "rego_compile_error",
              "compiling failed inside Vigil's policy engine: " + e,
              dev.vigil.rego.ast.Location.NONE));
    }
  }

  /** Parses and compiles a query against this policy. */
  public PreparedQuery prepare(String query) {
    ParserOptions po = new ParserOptions(options.v0Compatible(), options.experimentalKeywords());
    return prepare(Parser.parseQuery(query, po));
  }

  /** Compiles a parsed query against this policy. */
  public PreparedQuery prepare(List<Expr> query) {
    CompiledQuery q = Compiler.compileQuery(compiled, query);
    return new PreparedQuery(compiled, q);
  }

  /** Returns the parsed modules. */
  public List<Module> modules() {
    return compiled.modules();
  }

  /** Returns this policy with other base data; compiled rules are shared, nothing is copied. */
  public Policy withData(Value data) {
    return new Policy(compiled.withData(data), options);
  }

  /**
   * Returns this policy with rule indexing turned on or off. Results never depend on it; turning it
   * off is for comparing results and measuring the index.
   */
  public Policy withRuleIndexing(boolean on) {
    return new Policy(compiled.withIndexing(on), options);
  }
}
