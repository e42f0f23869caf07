package dev.vigil.sdk;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.vigil.httpkit.StrictJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Asks a decision point over OPA's REST API ({@code POST /v1/data/{path}} with {@code {"input":
 * ...}}; Vigil's {@code vigil pdp} or OPA itself) whether something may happen, and keeps answers
 * for a short time.
 *
 * <p>The cache is small and bounded: at most {@code maxEntries} answers, the least recently used
 * leaving first, each kept for {@code ttl} by the injected clock. The key is the policy path and
 * the input with object keys sorted, so that equal inputs share an answer. Only answers the PDP
 * gave are kept; a failure is never cached. Every failure (unreachable, timeout, an HTTP error, a
 * body that is not JSON) is a denial with its reason: the client fails closed and never throws for
 * it.
 *
 * <p>Thread-safe.
 */
public final class DecisionClient {

  private static final Pattern PATH =
      Pattern.compile("[A-Za-z0-9_~-][A-Za-z0-9_.~-]*(/[A-Za-z0-9_~-][A-Za-z0-9_.~-]*)*");

  private final URI base;
  private final Duration ttl;
  private final int maxEntries;
  private final InstantSource clock;
  private final HttpClient http;
  private final Duration timeout;
  private final Map<String, Cached> cache;

  private record Cached(Decision decision, Instant until) {}

  /** A decision, and whether the PDP gave it (and it may be kept) or the asking failed. */
  private record Answer(Decision decision, boolean fromPdp) {}

  /**
   * @param base the decision point's address, such as {@code http://127.0.0.1:8181}
   * @param ttl how long an answer is reused; zero disables the cache
   * @param maxEntries the most answers kept
   * @param timeout the time budget of one request to the PDP
   */
  public DecisionClient(
      URI base, Duration ttl, int maxEntries, Duration timeout, InstantSource clock) {
    this.base = Objects.requireNonNull(base, "base");
    if (base.getScheme() == null
        || !(base.getScheme().equalsIgnoreCase("http")
            || base.getScheme().equalsIgnoreCase("https"))
        || base.getHost() == null
        || base.getRawQuery() != null
        || base.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "decision point address \""
              + base
              + "\" must be an http:// or https:// URL with a host and no query, such as"
              + " http://127.0.0.1:8181");
    }
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    if (ttl.isNegative()) {
      throw new IllegalArgumentException(
          "ttl must not be negative (zero turns the cache off): " + ttl);
    }
    if (maxEntries < 0) {
      throw new IllegalArgumentException("maxEntries must not be negative: " + maxEntries);
    }
    this.maxEntries = maxEntries;
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    if (!timeout.isPositive()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    this.cache =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            return size() > DecisionClient.this.maxEntries;
          }
        };
  }

  /**
   * Asks the policy at {@code path} (as {@code authz/allow}) about {@code input}.
   *
   * @param input JSON-like values: Map with String keys, List, String, Number, Boolean, null
   * @throws IllegalArgumentException when {@code path} is not a slash-separated policy path
   */
  public Decision decide(String path, Map<String, ?> input) {
    if (path == null || !PATH.matcher(path).matches()) {
      throw new IllegalArgumentException(
          "policy path \""
              + path
              + "\" must look like authz/allow (segments of letters, digits, _ . ~ -, not starting"
              + " with .)");
    }
    String body = JSONObjectUtils.toJSONString(Map.of("input", sorted(input)));
    String key = path + '\n' + body;
    Decision hit = lookup(key);
    if (hit != null) {
      return hit;
    }
    Answer a = ask(path, body);
    if (a.fromPdp()) {
      store(key, a.decision());
    }
    return a.decision();
  }

  private synchronized Decision lookup(String key) {
    Cached c = cache.get(key);
    if (c == null) {
      return null;
    }
    if (!clock.instant().isBefore(c.until())) {
      cache.remove(key);
      return null;
    }
    return c.decision().fromCache();
  }

  private synchronized void store(String key, Decision d) {
    if (maxEntries > 0 && ttl.isPositive()) {
      cache.put(key, new Cached(d, clock.instant().plus(ttl)));
    }
  }

  /** Returns the number of answers held, for metrics and tests. */
  public synchronized int cached() {
    return cache.size();
  }

  private Answer ask(String path, String body) {
    HttpRequest req =
        HttpRequest.newBuilder(endpoint(path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> resp;
    try {
      resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      return failed(
          "the decision point at " + base + " could not be asked: " + IoFailures.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed("interrupted while asking the decision point");
    }
    if (resp.statusCode() != 200) {
      return failed("the decision point answered HTTP " + resp.statusCode() + ": " + resp.body());
    }
    Map<String, Object> answer;
    try {
      // Two "result" members: which one is the decision depends on the parser.
      StrictJson.requireUniqueKeys("the decision point's answer", resp.body());
      answer = JSONObjectUtils.parse(resp.body());
    } catch (StrictJson.Refused e) {
      return failed(e.getMessage());
    } catch (ParseException e) {
      return failed("the decision point's answer is not a JSON object: " + e.getMessage());
    }
    Object result = answer.get("result");
    Object id = answer.get("decision_id");
    // OPA leaves "result" out when the document is undefined: no rule, data or default there.
    String reason =
        answer.containsKey("result")
            ? ""
            : "the policy at "
                + path
                + " is undefined for this input (no rule, data or default there): a denial";
    return new Answer(
        new Decision(isAllow(result), result, id == null ? null : id.toString(), reason, false),
        true);
  }

  /** Returns {@code /v1/data/{path}} below the base address's own path, if it has one. */
  private URI endpoint(String path) {
    String prefix = base.getRawPath() == null ? "" : base.getRawPath();
    if (prefix.endsWith("/")) {
      prefix = prefix.substring(0, prefix.length() - 1);
    }
    return base.resolve(prefix + "/v1/data/" + path);
  }

  private static Answer failed(String reason) {
    return new Answer(new Decision(false, null, null, reason, false), false);
  }

  /** Only JSON true, or an object whose allow is JSON true, allows. */
  static boolean isAllow(Object result) {
    return Boolean.TRUE.equals(result)
        || (result instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("allow")));
  }

  /** Returns the value with every object's keys sorted, so equal inputs serialise alike. */
  private static Object sorted(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new TreeMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), sorted(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      return l.stream().map(DecisionClient::sorted).toList();
    }
    return v;
  }
}
