package dev.vigil.gateway;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's routes: a request goes to the route with its host (or {@code *}) and the longest
 * path prefix that contains its normalised path. Immutable; a change makes a new table.
 */
public final class RouteTable {

  private final List<Route> routes;

  public RouteTable(List<Route> routes) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(
        Comparator.comparing((Route r) -> r.host().equals("*"))
            .thenComparing(r -> -r.pathPrefix().length()));
    this.routes = List.copyOf(sorted);
  }

  /** Returns the route for a host (port ignored) and normalised path, or null. */
  public Route match(String hostHeader, String path) {
    String host = hostOnly(hostHeader);
    for (Route r : routes) {
      if ((r.host().equals("*") || r.host().equalsIgnoreCase(host)) && r.matchesPath(path)) {
        return r;
      }
    }
    return null;
  }

  public List<Route> routes() {
    return routes;
  }

  /** Returns the host of a Host header without its port, in lower case; "" for null. */
  public static String hostOnly(String hostHeader) {
    if (hostHeader == null) {
      return "";
    }
    String h = hostHeader.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 ? h.substring(0, end + 1) : h;
    }
    int colon = h.indexOf(':');
    return colon >= 0 ? h.substring(0, colon) : h;
  }
}
