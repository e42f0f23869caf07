package dev.vigil.pdp;

import java.util.Map;
import java.util.TreeMap;

/**
 * The mode of each policy path: the longest configured prefix wins, {@link #defaultMode()}
 * otherwise. Immutable; a change makes a new table.
 */
public final class ModeTable {

  private final Map<PolicyPath, Mode> modes;
  private final Mode defaultMode;

  public ModeTable(Map<String, Mode> byPath, Mode defaultMode) {
    Map<PolicyPath, Mode> m = new java.util.LinkedHashMap<>();
    new TreeMap<>(byPath).forEach((k, v) -> m.put(PolicyPath.parse(k), v));
    this.modes = Map.copyOf(m);
    this.defaultMode = defaultMode;
  }

  /** Every path enforced. */
  public static ModeTable enforceAll() {
    return new ModeTable(Map.of(), Mode.ENFORCE);
  }

  public Mode defaultMode() {
    return defaultMode;
  }

  /** Returns the mode of the path. */
  public Mode modeOf(PolicyPath path) {
    Mode best = defaultMode;
    int bestLen = -1;
    for (Map.Entry<PolicyPath, Mode> e : modes.entrySet()) {
      int len = e.getKey().segments().size();
      if (len > bestLen && path.startsWith(e.getKey())) {
        best = e.getValue();
        bestLen = len;
      }
    }
    return best;
  }

  /** Returns a table with one path's mode changed. */
  public ModeTable with(String path, Mode mode) {
    Map<String, Mode> m = new TreeMap<>();
    modes.forEach((k, v) -> m.put(k.slashed(), v));
    m.put(PolicyPath.parse(path).slashed(), mode);
    return new ModeTable(m, defaultMode);
  }

  /** Returns the configured modes by path. */
  public Map<String, Mode> asMap() {
    Map<String, Mode> m = new TreeMap<>();
    modes.forEach((k, v) -> m.put(k.slashed(), v));
    return m;
  }
}
