package dev.vigil.rego.compile;

import java.util.Map;
import java.util.Set;

/** Builtins the evaluator implements itself, with their arity (-1: any number of operands). */
public final class Natives {

  private Natives() {}

  static final Map<String, Integer> ARITY =
      Map.ofEntries(
          Map.entry("eq", 2),
          Map.entry("assign", 2),
          Map.entry("equal", 2),
          Map.entry("neq", 2),
          Map.entry("lt", 2),
          Map.entry("lte", 2),
          Map.entry("gt", 2),
          Map.entry("gte", 2),
          Map.entry("internal.member_2", 2),
          Map.entry("internal.member_3", 3),
          Map.entry("walk", 1),
          Map.entry("print", -1),
          Map.entry("internal.print", -1),
          Map.entry("trace", 1),
          Map.entry("rego.metadata.rule", 0),
          Map.entry("rego.metadata.chain", 0),
          Map.entry("opa.runtime", 0),
          Map.entry("http.send", 1),
          Map.entry("net.lookup_ip_addr", 1));

  /** Builtins that only v0 modules may call. */
  static final Set<String> DEPRECATED =
      Set.of(
          "all",
          "any",
          "re_match",
          "set_diff",
          "cast_array",
          "cast_set",
          "cast_string",
          "cast_boolean",
          "cast_null",
          "cast_object",
          "net.cidr_overlap");

  /** Returns the arity of a builtin the evaluator runs, -1 when it takes any number. */
  public static int arity(String name) {
    return ARITY.getOrDefault(name, -1);
  }

  public static boolean isNative(String name) {
    return ARITY.containsKey(name);
  }
}
