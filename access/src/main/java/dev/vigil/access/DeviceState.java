package dev.vigil.access;

import java.util.Map;

/**
 * What the gateway knows about the device behind one connection. Only {@link Status#MANAGED}
 * carries an id and posture: every other status is an unknown device, whatever the reason, and the
 * status says which reason for the decision log.
 *
 * @param status why the device is managed or not
 * @param deviceId the enrolled device's id when managed, else null
 * @param posture the facts of the latest fresh report when managed, else empty
 * @param postureAgeSeconds seconds since that report was signed when managed, else -1
 */
public record DeviceState(
    Status status, String deviceId, Map<String, Object> posture, long postureAgeSeconds) {

  /** Why a device is managed or unknown. */
  public enum Status {
    /** The client sent no certificate. */
    NO_CERTIFICATE,
    /** The certificate is not a valid device certificate of this device CA now. */
    UNTRUSTED_CERTIFICATE,
    /** The certificate is genuine but its device is not (or no longer) enrolled with it. */
    NOT_ENROLLED,
    /** The device was revoked. */
    REVOKED,
    /** The device has never sent a report. */
    NO_REPORT,
    /** The latest report is older than the configured maximum age. */
    STALE_REPORT,
    /** An enrolled device with a fresh report. */
    MANAGED;

    /** Returns the name policies and logs see, such as {@code stale_report}. */
    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public DeviceState {
    posture = Map.copyOf(posture);
  }

  /** Returns an unknown device for {@code reason}. */
  public static DeviceState unknown(Status reason) {
    return new DeviceState(reason, null, Map.of(), -1);
  }

  public boolean managed() {
    return status == Status.MANAGED;
  }
}
