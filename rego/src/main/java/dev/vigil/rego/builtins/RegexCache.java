package dev.vigil.rego.builtins;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A small bounded cache of compiled patterns, least recently used first out. Thread-safe; a pattern
 * that fails to compile is not cached, so its error is raised on every use.
 */
final class RegexCache<V> {

  static final int MAX_KEY_LENGTH = 4096;

  private final Map<String, V> map;
  private final Function<String, V> compile;

  RegexCache(int capacity, Function<String, V> compile) {
    this.compile = compile;
    this.map =
        new LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
            return size() > capacity;
          }
        };
  }

  V get(String key) {
    if (key.length() > MAX_KEY_LENGTH) {
      return compile.apply(key);
    }
    synchronized (map) {
      V v = map.get(key);
      if (v != null) {
        return v;
      }
    }
    V v = compile.apply(key);
    synchronized (map) {
      map.put(key, v);
    }
    return v;
  }
}
