package dev.vigil.rego;

import dev.vigil.rego.builtins.BuiltinRegistry;

/**
 * How modules are parsed and compiled.
 *
 * @param v0Compatible parse with v0 syntax (keywords only when imported, no {@code if} required)
 * @param experimentalKeywords allow experimental keywords such as {@code and} and {@code or}
 * @param builtins the builtins that policies may call
 */
public record CompileOptions(
    boolean v0Compatible, boolean experimentalKeywords, BuiltinRegistry builtins) {

  public static CompileOptions defaults() {
    return new CompileOptions(false, false, BuiltinRegistry.standard());
  }

  public CompileOptions withV0(boolean v0) {
    return new CompileOptions(v0, experimentalKeywords, builtins);
  }

  public CompileOptions withExperimentalKeywords(boolean on) {
    return new CompileOptions(v0Compatible, on, builtins);
  }
}
