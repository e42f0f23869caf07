package dev.vigil.gateway.http;

/**
 * A request path after normalisation, or the reason it was refused.
 *
 * @param path the normalised path, what policy sees and the upstream receives; null when refused
 * @param query the raw query string (after {@code ?}), unchanged, or null
 * @param refusal why the request target was refused (answer 400), or null
 */
public record RequestPath(String path, String query, String refusal) {

  static RequestPath refused(String why) {
    return new RequestPath(null, null, why);
  }

  public boolean isRefused() {
    return refusal != null;
  }

  /** Returns the path and query as sent upstream. */
  public String target() {
    return query == null ? path : path + "?" + query;
  }
}
