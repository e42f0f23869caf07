package dev.vigil.cli;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The log message with every control and invisible formatting character written as an escape
 * ({@code \n}, {@code \r}, {@code \t}, {@code \u001b}, {@code \u200b} …), so that nothing a client
 * sends can start a line of its own or colour the terminal.
 *
 * <p>Why here, for every message: usernames, paths, header values and reasons that came from a
 * request reach log lines in many places. A username holding a line break forged a whole line
 * ("signed in: user=alice source=10.0.0.1"), and an ESC coloured what followed. Escaping in the
 * layout covers every message, including those written later. Stack traces are not messages and
 * keep their lines.
 */
public final class SafeMessageConverter extends MessageConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return escape(super.convert(event));
  }

  /** Escapes control, format and line-separator characters; returns the text itself when none. */
  static String escape(String s) {
    if (s == null) {
      return null;
    }
    int i = 0;
    while (i < s.length() && !unsafe(s.charAt(i))) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 16).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!unsafe(c)) {
        sb.append(c);
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\t') {
        sb.append("\\t");
      } else {
        sb.append(String.format("\\u%04x", (int) c));
      }
    }
    return sb.toString();
  }

  private static boolean unsafe(char c) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
    if (c < 0x80) {
      return false;
    }
    int type = Character.getType(c);
    return type == Character.CONTROL
        || type == Character.FORMAT
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR;
  }
}
