package dev.vigil.identity;

import java.util.regex.Pattern;

/**
 * A property a workload must have to receive an entry's SPIFFE ID, written {@code type:value}:
 * {@code unix:uid:1000}, {@code unix:gid:1000}, {@code unix:path:/usr/bin/web} (the executable), or
 * {@code label:NAME} for tests and other attestors. Immutable.
 */
public record Selector(String type, String value) implements Comparable<Selector> {

  private static final Pattern NUMBER = Pattern.compile("[0-9]{1,10}");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9._:=/-]{1,200}");

  /**
   * Parses {@code type:value}.
   *
   * @throws IllegalArgumentException naming the selector and what is wrong
   */
  public static Selector parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("selector is missing");
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(
          "selector \"" + text + "\" must be TYPE:VALUE, e.g. unix:uid:1000 or label:web");
    }
    Selector s = new Selector(text.substring(0, colon), text.substring(colon + 1));
    s.check(text);
    return s;
  }

  private void check(String text) {
    switch (type) {
      case "unix" -> checkUnix(text);
      case "label" -> {
        if (!LABEL.matcher(value).matches()) {
          throw new IllegalArgumentException(
              "selector \"" + text + "\": a label is 1-200 of A-Z a-z 0-9 . _ : = / -");
        }
      }
      default ->
          throw new IllegalArgumentException(
              "selector \"" + text + "\": type \"" + type + "\" is unknown; use unix or label");
    }
  }

  private void checkUnix(String text) {
    if (value.startsWith("uid:") || value.startsWith("gid:")) {
      if (!NUMBER.matcher(value.substring(4)).matches()) {
        throw new IllegalArgumentException(
            "selector \"" + text + "\": " + value.substring(0, 3) + " must be a number");
      }
      return;
    }
    if (value.startsWith("path:")) {
      String path = value.substring(5);
      if (!path.startsWith("/") || path.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "selector \"" + text + "\": path must be an absolute executable path");
      }
      return;
    }
    throw new IllegalArgumentException(
        "selector \"" + text + "\": unix selectors are unix:uid:N, unix:gid:N, unix:path:/EXE");
  }

  @Override
  public int compareTo(Selector o) {
    return toString().compareTo(o.toString());
  }

  @Override
  public String toString() {
    return type + ":" + value;
  }
}
