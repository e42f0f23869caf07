package dev.vigil.gateway;

import dev.vigil.gateway.auth.LocalUsers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The gateway's routes: a request goes to the route with its host (or {@code *}) and the longest
 * path prefix that contains its normalised path. Immutable; a change makes a new table.
 *
 * <p>A table may carry the local users its routes were configured with. It is then one generation
 * of the reloadable configuration, published whole in one step: the gateway reads the table once at
 * the start of a request and takes both the route and the user of its session from it, so a reload
 * never decides a request on the routes of one configuration and the users of another.
 */
public final class RouteTable {

  private final List<Route> routes;
  private final LocalUsers users;

  /** A table without users: requests are decided on the users of the gateway's authenticator. */
  public RouteTable(List<Route> routes) {
    this(routes, null);
  }

  /**
   * @param users the local users of the same configuration as {@code routes}, or null for none
   *     carried (see {@link #users})
   */
  public RouteTable(List<Route> routes, LocalUsers users) {
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(
        Comparator.comparing((Route r) -> r.host().equals("*"))
            .thenComparing(r -> -r.pathPrefix().length()));
    this.routes = List.copyOf(sorted);
    this.users = users;
  }

  /**
   * Returns the local users of this table's configuration, or null when it carries none (then the
   * gateway's authenticator's users of now are used).
   */
  public LocalUsers users() {
    return users;
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
