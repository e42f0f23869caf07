package dev.vigil.access;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The facts a device reports about itself. A fact the device could not find out is null and is left
 * out of the report, so that a policy testing it sees it undefined rather than false.
 *
 * @param os operating system family, such as {@code linux}
 * @param osVersion the distribution or release, such as {@code Debian GNU/Linux 13 (trixie)}
 * @param patchAgeDays whole days since packages were last installed or upgraded
 * @param diskEncrypted whether the root file system sits on an encrypted block device
 * @param edrRunning whether an endpoint detection and response agent is running
 * @param screenLock whether the screen locks itself when idle
 */
public record Posture(
    String os,
    String osVersion,
    Integer patchAgeDays,
    Boolean diskEncrypted,
    Boolean edrRunning,
    Boolean screenLock) {

  private static final Set<String> FACTS =
      Set.of("os", "os_version", "patch_age_days", "disk_encrypted", "edr_running", "screen_lock");

  /** Returns the facts under their policy names, without the unknown ones. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    putIfKnown(m, "os", os);
    putIfKnown(m, "os_version", osVersion);
    putIfKnown(m, "patch_age_days", patchAgeDays);
    putIfKnown(m, "disk_encrypted", diskEncrypted);
    putIfKnown(m, "edr_running", edrRunning);
    putIfKnown(m, "screen_lock", screenLock);
    return m;
  }

  /**
   * Reads facts from a report's {@code posture} object.
   *
   * @throws DeviceException {@code bad_report} naming a fact of the wrong type or an unknown one
   */
  public static Posture fromMap(Map<String, Object> m) {
    for (String k : m.keySet()) {
      if (!FACTS.contains(k)) {
        throw new DeviceException("bad_report", "posture has an unknown fact \"" + k + "\"");
      }
    }
    return new Posture(
        text(m, "os"),
        text(m, "os_version"),
        days(m),
        flag(m, "disk_encrypted"),
        flag(m, "edr_running"),
        flag(m, "screen_lock"));
  }

  private static String text(Map<String, Object> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new DeviceException("bad_report", "posture." + k + " must be a string of 200 or less");
    }
    String problem = DeviceText.problem(s, 200);
    if (problem != null) {
      throw new DeviceException("bad_report", "posture." + k + " " + problem);
    }
    return s;
  }

  private static Integer days(Map<String, Object> m) {
    Object v = m.get("patch_age_days");
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)
        || n.doubleValue() != Math.rint(n.doubleValue())
        || n.longValue() < 0
        || n.longValue() > 100_000) {
      throw new DeviceException(
          "bad_report", "posture.patch_age_days must be a whole number of days, got " + v);
    }
    return n.intValue();
  }

  private static Boolean flag(Map<String, Object> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw new DeviceException("bad_report", "posture." + k + " must be true or false, got " + v);
    }
    return b;
  }

  private static void putIfKnown(Map<String, Object> m, String k, Object v) {
    if (v != null) {
      m.put(k, v);
    }
  }
}
