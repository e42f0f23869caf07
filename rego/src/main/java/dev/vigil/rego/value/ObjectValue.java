package dev.vigil.rego.value;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * An object: keys of any kind (strings for JSON objects) mapped to values.
 *
 * <p>Lookup is by hash. Iteration through {@link #keys()} is in sorted key order, as OPA iterates,
 * so that comprehensions and output are deterministic.
 */
public final class ObjectValue implements Value {

  public static final ObjectValue EMPTY = new ObjectValue(Map.of());

  private final Map<Value, Value> map;
  private final long unsharedSize;
  private volatile Value[] sortedKeys;
  private int hash;

  private ObjectValue(Map<Value, Value> map) {
    this.map = map;
    long n = 1;
    for (Map.Entry<Value, Value> e : map.entrySet()) {
      n = Values.addSizes(n, Values.unsharedSize(e.getKey()));
      n = Values.addSizes(n, Values.unsharedSize(e.getValue()));
    }
    this.unsharedSize = n;
  }

  /** Returns an object of the given entries, copying them. */
  public static ObjectValue of(Map<? extends Value, ? extends Value> entries) {
    return entries.isEmpty() ? EMPTY : new ObjectValue(new HashMap<>(entries));
  }

  /** Returns an object that takes ownership of the given map; the caller must not change it. */
  public static ObjectValue wrap(Map<Value, Value> entries) {
    return entries.isEmpty() ? EMPTY : new ObjectValue(entries);
  }

  /** Returns an object of alternating keys and values. */
  public static ObjectValue of(Value... keysAndValues) {
    Map<Value, Value> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return wrap(m);
  }

  public int size() {
    return map.size();
  }

  /** See {@link Values#unsharedSize}. */
  long unsharedSize() {
    return unsharedSize;
  }

  /** Returns the value under the key, or null when there is none. */
  public Value get(Value key) {
    return map.get(key);
  }

  /** Returns the value under the string key, or null when there is none. */
  public Value get(String key) {
    return map.get(new StringValue(key));
  }

  public boolean containsKey(Value key) {
    return map.containsKey(key);
  }

  /** Returns the keys in sorted order. */
  public List<Value> keys() {
    return keys(null);
  }

  /**
   * Returns the keys in sorted order, telling {@code charge} (when not null) the work of sorting
   * them the first time they are asked for, as {@link SetValue#elements(LongConsumer)} does.
   */
  public List<Value> keys(LongConsumer charge) {
    Value[] keys = sortedKeys;
    if (keys == null) {
      keys = map.keySet().toArray(new Value[0]);
      Values.sort(keys, charge);
      sortedKeys = keys;
    }
    return Collections.unmodifiableList(Arrays.asList(keys));
  }

  /**
   * Calls the action with each key and value, in no particular order: cheaper than iterating {@link
   * #asMap()}, which goes through a view and an iterator.
   */
  public void forEach(BiConsumer<? super Value, ? super Value> action) {
    map.forEach(action);
  }

  /** Returns the entries as an unmodifiable map (iteration order unspecified). */
  public Map<Value, Value> asMap() {
    return Collections.unmodifiableMap(map);
  }

  @Override
  public String typeName() {
    return "object";
  }

  @Override
  public int kindOrder() {
    return 7;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ObjectValue other
        && other.unsharedSize == unsharedSize
        && other.map.equals(map);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      long sum = 0;
      for (Map.Entry<Value, Value> e : map.entrySet()) {
        sum += ValueHash.entry(e.getKey(), e.getValue());
      }
      h = ValueHash.object(sum, map.size());
      hash = h;
    }
    return h;
  }

  @Override
  public String toString() {
    return Rego.format(this);
  }
}
