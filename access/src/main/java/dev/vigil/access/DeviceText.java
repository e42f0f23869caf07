package dev.vigil.access;

/**
 * The free text of device management: a device's name, an enrolment token's label, a posture fact
 * such as {@code os_version}. Each is stored, listed one per line and written to the log, so each
 * is bounded in length and kept to one line of printable characters.
 */
final class DeviceText {

  /** The most characters a device name or a token label keeps. */
  static final int MAX_NAME = 100;

  private DeviceText() {}

  /**
   * Returns why {@code text} is refused, to follow the field's name ({@code "is 100000 characters
   * long; ..."}), or null when it may be kept.
   */
  static String problem(String text, int max) {
    if (text.length() > max) {
      return "is " + text.length() + " characters long; at most " + max + " are kept";
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        return String.format(
            "holds the control character U+%04X at character %d; write one line of text",
            (int) c, i + 1);
      }
    }
    return null;
  }
}
