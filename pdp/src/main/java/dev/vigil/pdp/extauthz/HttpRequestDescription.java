package dev.vigil.pdp.extauthz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request as an adapter received it, before any forwarding header is read.
 *
 * @param method the request method, as {@code GET}
 * @param target the request target: path and optional query, as {@code /a/b?x=1}
 * @param host the {@code Host} (or {@code :authority}) of the request, or null
 * @param scheme {@code http} or {@code https}, or null when unknown
 * @param headers header values by name; names are lower-cased and merged on construction
 * @param peerAddress the IP address of the TCP peer that sent it (the proxy, for forward auth), or
 *     null when unknown (never trusted)
 */
public record HttpRequestDescription(
    String method,
    String target,
    String host,
    String scheme,
    Map<String, List<String>> headers,
    String peerAddress) {

  public HttpRequestDescription {
    Map<String, List<String>> lower = new LinkedHashMap<>();
    headers.forEach(
        (k, v) ->
            lower.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
    lower.replaceAll((k, v) -> List.copyOf(v));
    headers = Collections.unmodifiableMap(lower);
  }

  /** Returns the first value of a header (any case), or null. */
  public String header(String name) {
    List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Returns every value of a header (any case), possibly empty. */
  public List<String> headerValues(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }
}
