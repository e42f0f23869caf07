package dev.vigil.rego.builtins;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The builtins a policy may call, by name. Filled once, then read by any number of threads.
 *
 * <p>{@link #standard()} holds every builtin Vigil implements; each family of builtins registers
 * itself from its own class.
 */
public final class BuiltinRegistry {

  private static volatile BuiltinRegistry standard;

  private final Map<String, Builtin> builtins = new TreeMap<>();

  /** Registers one builtin; a second registration of the same name is a programming error. */
  public void register(BuiltinDecl decl, BuiltinFunction function) {
    if (builtins.putIfAbsent(decl.name(), new Builtin(decl, function)) != null) {
      throw new IllegalStateException("builtin registered twice: " + decl.name());
    }
  }

  /** Registers a builtin declared inline. */
  public void register(
      String name, List<Type> args, Type result, String description, BuiltinFunction function) {
    register(BuiltinDecl.of(name, args, result, description), function);
  }

  /** Returns the builtin of that name, or null. */
  public Builtin get(String name) {
    return builtins.get(name);
  }

  public Collection<Builtin> all() {
    return Collections.unmodifiableCollection(builtins.values());
  }

  /** Returns the registry of every builtin Vigil implements. */
  public static BuiltinRegistry standard() {
    BuiltinRegistry r = standard;
    if (r == null) {
      synchronized (BuiltinRegistry.class) {
        r = standard;
        if (r == null) {
          r = new BuiltinRegistry();
          StandardFamilies.registerAll(r);
          standard = r;
        }
      }
    }
    return r;
  }
}
