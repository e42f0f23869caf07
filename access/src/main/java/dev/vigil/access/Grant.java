package dev.vigil.access;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One just-in-time grant, as stored: asked for (or taken, for break-glass) by {@code subject},
 * decided by {@code decidedBy}. Times that did not happen yet are null.
 *
 * @param id the grant's id ({@code gr-} and 20 hex digits)
 * @param subject the user id of who asked
 * @param idp the sign-in the subject came from ({@code local} or an OpenID Connect provider's
 *     name): a grant counts only for sessions of the same
 * @param entitlement what is granted
 * @param reason why the subject asked
 * @param requestedAt when the subject asked
 * @param duration how long the grant lasts once it starts
 * @param state the stored state; see {@link #stateAt} for the state at a time
 * @param decidedBy who approved or denied it (the subject for break-glass)
 * @param decidedAt when
 * @param decisionReason why it was denied, or the approver's note
 * @param startsAt when it started counting
 * @param expiresAt when it stops counting; for a request, when it lapses undecided (null for a
 *     request stored before the lifetime was kept: {@link #DEFAULT_REQUEST_LIFETIME} after it was
 *     made), and null once denied
 * @param breakGlass taken without approval
 * @param reviewedBy the administrator who reviewed a break-glass grant
 * @param reviewedAt when
 * @param endedBy who revoked it
 * @param endedAt when it was revoked
 * @param decidedByIdp the OpenID Connect provider {@code decidedBy} signed in with, or null for a
 *     local user (and for every grant decided before this was kept): with {@code decidedBy}, who
 *     decided it, since one user id of two providers is two people
 */
public record Grant(
    String id,
    String subject,
    String idp,
    String entitlement,
    String reason,
    Instant requestedAt,
    Duration duration,
    State state,
    String decidedBy,
    Instant decidedAt,
    String decisionReason,
    Instant startsAt,
    Instant expiresAt,
    boolean breakGlass,
    String reviewedBy,
    Instant reviewedAt,
    String endedBy,
    Instant endedAt,
    String decidedByIdp) {

  /** The life of a grant: pending, then active, denied or (once active) revoked or expired. */
  public enum State {
    PENDING,
    ACTIVE,
    DENIED,
    REVOKED,
    EXPIRED;

    /** Returns the name stored and shown, such as {@code pending}. */
    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws IllegalArgumentException for a name this build does not know
     */
    public static State of(String wire) {
      return valueOf(wire.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Returns a new request of {@code subject}, waiting for an approver until {@code lapsesAt}:
   * nothing decided, started or ended yet.
   */
  static Grant pending(
      String id,
      String subject,
      String idp,
      String entitlement,
      String reason,
      Instant at,
      Duration duration,
      Instant lapsesAt) {
    return new Grant(
        id,
        subject,
        idp,
        entitlement,
        reason,
        at,
        duration,
        State.PENDING,
        null,
        null,
        null,
        null,
        lapsesAt,
        false,
        null,
        null,
        null,
        null,
        null);
  }

  /**
   * Returns a new break-glass grant {@code subject} took at {@code at}: decided by its holder,
   * active from then for {@code duration}, not reviewed yet.
   */
  static Grant breakGlass(
      String id,
      String subject,
      String idp,
      String entitlement,
      String reason,
      Instant at,
      Duration duration) {
    return new Grant(
        id,
        subject,
        idp,
        entitlement,
        reason,
        at,
        duration,
        State.ACTIVE,
        subject,
        at,
        "break-glass",
        at,
        at.plus(duration),
        true,
        null,
        null,
        null,
        null,
        providerOf(idp));
  }

  /** Returns this grant ending at {@code end} instead (a cut the store may not show yet). */
  Grant endingAt(Instant end) {
    return new Grant(
        id,
        subject,
        idp,
        entitlement,
        reason,
        requestedAt,
        duration,
        state,
        decidedBy,
        decidedAt,
        decisionReason,
        startsAt,
        end,
        breakGlass,
        reviewedBy,
        reviewedAt,
        endedBy,
        endedAt,
        decidedByIdp);
  }

  /**
   * Returns how a person's provider is kept beside their user id in {@code decidedByIdp} and an
   * event's {@code actorIdp}: null for a local user, else the provider's name.
   */
  static String providerOf(String idp) {
    return idp == null || Holders.LOCAL.equals(idp) ? null : idp;
  }

  /** Returns the provider of who decided it: {@code local} or a provider's name; null if none. */
  public String decidedByProvider() {
    return decidedBy == null ? null : decidedByIdp == null ? Holders.LOCAL : decidedByIdp;
  }

  /**
   * Returns who decided it, for a reader: the user id, followed by the provider in parentheses for
   * a provider's user ({@code 00u1ab (corp)}); null if nobody did.
   */
  public String decider() {
    return decidedBy == null || decidedByIdp == null
        ? decidedBy
        : decidedBy + " (" + decidedByIdp + ")";
  }

  /** Returns the state at {@code now}: an active grant past its expiry is expired. */
  public State stateAt(Instant now) {
    if (state == State.PENDING) {
      return now.isBefore(lapsesAt()) ? State.PENDING : State.EXPIRED;
    }
    return state == State.ACTIVE && !now.isBefore(expiresAt) ? State.EXPIRED : state;
  }

  /**
   * How long a request waits for a decision unless {@code access.request_lifetime} says otherwise:
   * past it, the request has expired, cannot be approved, and no longer counts among the requests
   * its holder may have waiting.
   */
  public static final Duration DEFAULT_REQUEST_LIFETIME = Duration.ofHours(24);

  /** The shortest request lifetime: an approver needs some time to read the request. */
  public static final Duration MIN_REQUEST_LIFETIME = Duration.ofMinutes(1);

  /** The longest request lifetime: a request older than a week asks about a need long gone. */
  public static final Duration MAX_REQUEST_LIFETIME = Duration.ofDays(7);

  /**
   * Returns when this request lapses undecided: the lifetime in force when it was made, kept with
   * it, so that a later change of the setting does not revive or cut short a request.
   */
  public Instant lapsesAt() {
    return decidedAt == null && expiresAt != null
        ? expiresAt
        : requestedAt.plus(DEFAULT_REQUEST_LIFETIME);
  }

  /** Whether it counts at {@code now}: active and not expired, whatever a sweeper did yet. */
  public boolean activeAt(Instant now) {
    return stateAt(now) == State.ACTIVE && !now.isBefore(startsAt);
  }

  /**
   * Returns when it stopped or stops counting, the earlier of its expiry and its revocation, or
   * null when it has neither (a request never approved).
   */
  public Instant countsUntil() {
    if (endedAt != null && (expiresAt == null || endedAt.isBefore(expiresAt))) {
      return endedAt;
    }
    return expiresAt;
  }

  /** Whether it is a break-glass grant no administrator has reviewed yet. */
  public boolean unreviewed() {
    return breakGlass && reviewedAt == null;
  }
}
