package dev.vigil.pdp.extauthz;

import dev.vigil.pdp.api.ApiToken;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the policy input document of one HTTP request, in the shape of {@code
 * docs/policy-input.md} (version {@value #VERSION}).
 *
 * <p>How it works: an adapter hands over the request as it received it and names the forwarding
 * headers its protocol uses. Those headers are read only when the TCP peer is a trusted proxy; from
 * anyone else they are ignored and the request line, {@code Host} and peer address describe the
 * request (case C05). Forwarding, hop-by-hop and client-sent {@code X-Vigil-*} identity headers
 * never reach {@code input.request.headers}. The path is normalised once by {@link RequestPaths}.
 *
 * <p>Immutable and thread-safe.
 */
public final class PolicyInputBuilder {

  /** The version of the input document, in {@code input.version}. */
  public static final int VERSION = 1;

  /** A forwarding header an adapter may honour. */
  public enum Forwarded {
    /** {@code X-Forwarded-For}: the client address chain. */
    FOR("x-forwarded-for"),
    /** {@code X-Forwarded-Host}: the original host. */
    HOST("x-forwarded-host"),
    /** {@code X-Forwarded-Uri}: the original request target. */
    URI("x-forwarded-uri"),
    /** {@code X-Forwarded-Method}: the original method. */
    METHOD("x-forwarded-method"),
    /** {@code X-Forwarded-Proto}: the original scheme. */
    PROTO("x-forwarded-proto"),
    /** {@code X-Original-URI}: nginx's original request target. */
    ORIGINAL_URI("x-original-uri"),
    /** {@code X-Original-Method}: nginx's original method. */
    ORIGINAL_METHOD("x-original-method");

    final String header;

    Forwarded(String header) {
      this.header = header;
    }
  }

  private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}");
  private static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "forwarded",
          "x-real-ip");

  private final TrustedProxies trusted;
  private final InstantSource clock;

  public PolicyInputBuilder(TrustedProxies trusted, InstantSource clock) {
    this.trusted = trusted;
    this.clock = clock;
  }

  /** Returns the trusted proxies this builder honours. */
  public TrustedProxies trustedProxies() {
    return trusted;
  }

  /**
   * Builds the input of a request.
   *
   * @param adapter the adapter's name, recorded in {@code input.adapter}
   * @param request the request as received
   * @param honoured the forwarding headers the adapter's protocol uses
   * @throws IllegalArgumentException naming the value when the method or path is refused, or
   *     counting the headers when the request has more than one {@code Authorization}
   */
  public ObjectValue build(
      String adapter, HttpRequestDescription request, Set<Forwarded> honoured) {
    // Refused as the API refuses it: a policy that read one credential and an upstream that read
    // the other would each see another caller.
    String twice = ApiToken.ambiguity(request.headerValues("authorization"));
    if (twice != null) {
      throw new IllegalArgumentException(twice);
    }
    boolean fromProxy = trusted.trusts(request.peerAddress());
    Set<Forwarded> use = fromProxy ? honoured : EnumSet.noneOf(Forwarded.class);
    String method = method(request, use);
    String target = target(request, use);
    String host = pick(request, use, Forwarded.HOST, request.host());
    String scheme = pick(request, use, Forwarded.PROTO, request.scheme());

    Map<Value, Value> r = new HashMap<>();
    put(r, "method", StringValue.of(method));
    put(r, "path", StringValue.of(RequestPaths.normalise(target)));
    String query = RequestPaths.queryOf(target);
    if (query != null) {
      put(r, "query", StringValue.of(query));
    }
    if (host != null) {
      put(r, "host", StringValue.of(hostName(host)));
    }
    if (scheme != null) {
      put(r, "scheme", StringValue.of(scheme.trim().toLowerCase(Locale.ROOT)));
    }
    put(r, "headers", headers(request));
    String source = sourceIp(request, use);
    if (source != null) {
      put(r, "source_ip", StringValue.of(source));
    }
    if (request.peerAddress() != null) {
      put(r, "peer_ip", StringValue.of(request.peerAddress()));
    }
    put(r, "forwarded", BooleanValue.of(!use.isEmpty()));
    put(r, "time", StringValue.of(clock.instant().toString()));

    Map<Value, Value> input = new HashMap<>();
    put(input, "version", NumberValue.of(VERSION));
    put(input, "adapter", StringValue.of(adapter));
    put(input, "request", ObjectValue.wrap(r));
    return ObjectValue.wrap(input);
  }

  private static String method(HttpRequestDescription request, Set<Forwarded> use) {
    String m = pick(request, use, Forwarded.ORIGINAL_METHOD, null);
    if (m == null) {
      m = pick(request, use, Forwarded.METHOD, request.method());
    }
    String upper = m.trim().toUpperCase(Locale.ROOT);
    if (!TOKEN.matcher(upper).matches()) {
      throw new IllegalArgumentException(
          "request method \"" + upper.replaceAll("[^ -~]", "?") + "\" refused: not a token");
    }
    return upper;
  }

  private static String target(HttpRequestDescription request, Set<Forwarded> use) {
    String t = pick(request, use, Forwarded.ORIGINAL_URI, null);
    return t != null ? t : pick(request, use, Forwarded.URI, request.target());
  }

  private static String pick(
      HttpRequestDescription request, Set<Forwarded> use, Forwarded f, String fallback) {
    if (!use.contains(f)) {
      return fallback;
    }
    String v = request.header(f.header);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    // A proxy that appends rather than replaces leaves a list; its own value is the last.
    if (f == Forwarded.HOST || f == Forwarded.PROTO) {
      String[] parts = v.split(",");
      return parts[parts.length - 1].trim();
    }
    return v.trim();
  }

  /** The client: the right-most address of the chain that is not a trusted proxy (RFC 7239 4). */
  private String sourceIp(HttpRequestDescription request, Set<Forwarded> use) {
    String client = request.peerAddress();
    if (!use.contains(Forwarded.FOR)) {
      return client;
    }
    List<String> values = request.headerValues(Forwarded.FOR.header);
    String[] chain = String.join(",", values).split(",");
    for (int i = chain.length - 1; i >= 0; i--) {
      String hop = stripPort(chain[i].trim());
      if (TrustedProxies.literal(hop) == null) {
        break;
      }
      client = hop;
      if (!trusted.trusts(hop)) {
        break;
      }
    }
    return client;
  }

  private static String stripPort(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close < 0 ? hop : hop.substring(1, close);
    }
    int colon = hop.indexOf(':');
    return colon >= 0 && colon == hop.lastIndexOf(':') ? hop.substring(0, colon) : hop;
  }

  private static String hostName(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      return close < 0 ? h : h.substring(0, close + 1);
    }
    int colon = h.indexOf(':');
    return colon >= 0 ? h.substring(0, colon) : h;
  }

  private static ObjectValue headers(HttpRequestDescription request) {
    Map<String, String> kept = new TreeMap<>();
    request
        .headers()
        .forEach(
            (name, values) -> {
              if (name.startsWith("x-forwarded-")
                  || name.startsWith("x-original-")
                  || name.startsWith("x-vigil-")
                  || name.startsWith(":")
                  || HOP_BY_HOP.contains(name)) {
                return;
              }
              kept.put(name, String.join(name.equals("cookie") ? "; " : ", ", values));
            });
    Map<Value, Value> out = new HashMap<>();
    kept.forEach((k, v) -> out.put(StringValue.of(k), StringValue.of(v)));
    return ObjectValue.wrap(out);
  }

  private static void put(Map<Value, Value> m, String k, Value v) {
    m.put(StringValue.of(k), v);
  }
}
