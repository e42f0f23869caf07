package dev.vigil.cli;

/** Parses {@code host:port} listen addresses. */
record Addresses(String host, int port) {

  /** Returns the host as written in a URL: IPv6 literals in brackets. */
  static String hostForUrl(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  /** Parses {@code 127.0.0.1:8181}, {@code [::1]:8181} or {@code :8181} (loopback). */
  static Addresses parse(String text, String option) {
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(option + " \"" + text + "\" must be HOST:PORT");
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.isEmpty()) {
      host = "127.0.0.1";
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " \"" + text + "\": port is not a number");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(option + " \"" + text + "\": port out of range");
    }
    return new Addresses(host, port);
  }
}
