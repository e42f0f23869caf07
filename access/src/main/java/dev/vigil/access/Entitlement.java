package dev.vigil.access;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Something a person may be granted for a while (the {@code access.entitlements} of vigil.yaml):
 * who approves a request for it, how long a grant of it lasts at most, and whether it may be taken
 * at once without approval (break-glass), for how long.
 *
 * @param name what is granted, as policies see it in {@code input.grants[_].entitlement}
 * @param approvers local users by user id, and {@code group:NAME} for every local user of a group
 * @param maxDuration the longest grant an approval gives
 * @param breakGlass whether a grant may be taken without approval
 * @param breakGlassMaxDuration the longest grant break-glass gives
 * @param providerApprovers users and groups of OpenID Connect providers who approve as well
 */
public record Entitlement(
    String name,
    List<String> approvers,
    Duration maxDuration,
    boolean breakGlass,
    Duration breakGlassMaxDuration,
    List<ProviderApprover> providerApprovers) {

  /** The prefix of an approver entry that names a group. */
  public static final String GROUP = "group:";

  /** The longest grant any entitlement may give. */
  public static final Duration CAP = Duration.ofHours(24);

  /** The longest grant break-glass may give. */
  public static final Duration BREAK_GLASS_CAP = Duration.ofHours(4);

  /** The shortest grant: anything shorter is a typing mistake more likely than a wish. */
  public static final Duration FLOOR = Duration.ofMinutes(1);

  /** Break-glass grants last this long at most unless configured otherwise. */
  public static final Duration BREAK_GLASS_DEFAULT = Duration.ofMinutes(30);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");

  /**
   * @throws IllegalArgumentException naming the field that is wrong
   */
  public Entitlement {
    checkName(name);
    approvers = List.copyOf(approvers);
    providerApprovers = List.copyOf(providerApprovers);
    if (approvers.isEmpty() && providerApprovers.isEmpty()) {
      throw new IllegalArgumentException(
          "approvers: entitlement \"" + name + "\" needs at least one approver");
    }
    checkDuration("max_duration", maxDuration, CAP);
    checkDuration("break_glass_max_duration", breakGlassMaxDuration, BREAK_GLASS_CAP);
  }

  /** An entitlement whose approvers are all local users. */
  public Entitlement(
      String name,
      List<String> approvers,
      Duration maxDuration,
      boolean breakGlass,
      Duration breakGlassMaxDuration) {
    this(name, approvers, maxDuration, breakGlass, breakGlassMaxDuration, List.of());
  }

  /**
   * Refuses a name policies could not compare plainly.
   *
   * @throws IllegalArgumentException when {@code name} is not 1 to 100 letters, digits, {@code . _
   *     : -}, starting with a letter or digit
   */
  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name: \""
              + name
              + "\" is not an entitlement name (1 to 100 letters, digits, . _ : -, starting with"
              + " a letter or digit)");
    }
  }

  private static void checkDuration(String field, Duration d, Duration cap) {
    if (d == null || d.compareTo(FLOOR) < 0 || d.compareTo(cap) > 0) {
      throw new IllegalArgumentException(
          field
              + ": "
              + (d == null ? "missing" : d.toSeconds() + "s")
              + " is not from "
              + FLOOR.toMinutes()
              + "m to "
              + cap.toHours()
              + "h");
    }
  }

  /**
   * Whether the person {@code subject} signed in through {@code idp} ({@link Holders#LOCAL} or a
   * provider's name), member of {@code groups}, approves requests for this. A local user matches
   * {@link #approvers} only, a provider's user {@link #providerApprovers} of that provider only:
   * the same user id or group name of two sign-ins is two people.
   */
  public boolean approvableBy(String subject, String idp, Collection<String> groups) {
    if (Holders.LOCAL.equals(idp)) {
      return approvableBy(subject, groups);
    }
    for (ProviderApprover a : providerApprovers) {
      if (a.matches(subject, idp, groups)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the local user {@code userId}, member of {@code groups}, approves requests for this.
   */
  public boolean approvableBy(String userId, Collection<String> groups) {
    for (String a : approvers) {
      if (a.startsWith(GROUP) ? groups.contains(a.substring(GROUP.length())) : a.equals(userId)) {
        return true;
      }
    }
    return false;
  }
}
