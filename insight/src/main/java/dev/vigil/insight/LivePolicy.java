package dev.vigil.insight;

import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * The policy a running decision point serves, as {@code GET /v1/insight/policy} answers it: the
 * active bundle's modules and revision, and what was written through the OPA API (uploaded modules
 * and base data), which lives only in the node's memory. Immutable.
 *
 * @param revision the active bundle's revision, empty when it has none or no bundle is active
 * @param bundleModules the active bundle's modules by their path in the bundle
 * @param uploaded modules uploaded with {@code PUT /v1/policies/{id}}, by id
 * @param apiData base data written with {@code PUT}/{@code PATCH /v1/data}
 */
public record LivePolicy(
    String revision,
    Map<String, String> bundleModules,
    Map<String, String> uploaded,
    ObjectValue apiData) {

  public LivePolicy {
    bundleModules = Map.copyOf(bundleModules);
    uploaded = Map.copyOf(uploaded);
  }

  /** Returns what {@code pdp} serves now. */
  public static LivePolicy of(DecisionPoint pdp) {
    Bundle active = pdp.activeBundle();
    return new LivePolicy(
        pdp.revision(),
        active == null ? Map.of() : active.modules(),
        pdp.uploadedPolicies(),
        pdp.apiData());
  }

  /** Returns the JSON {@code GET /v1/insight/policy} answers. */
  public String toJson() {
    return Json.write(
        ObjectValue.of(
            StringValue.of("revision"), StringValue.of(revision),
            StringValue.of("bundle_modules"), strings(bundleModules),
            StringValue.of("uploaded"), strings(uploaded),
            StringValue.of("data"), apiData));
  }

  /**
   * Reads the answer of {@code GET /v1/insight/policy}.
   *
   * @throws IllegalArgumentException when it is not that answer
   */
  public static LivePolicy parse(String json) {
    if (!(Json.parse(json) instanceof ObjectValue o)
        || !(o.get(StringValue.of("revision")) instanceof StringValue revision)
        || !(o.get(StringValue.of("data")) instanceof ObjectValue data)) {
      throw new IllegalArgumentException("the answer is not a policy state");
    }
    return new LivePolicy(
        revision.value(), strings(o, "bundle_modules"), strings(o, "uploaded"), data);
  }

  /**
   * Asks the control plane at {@code base} ({@code http://127.0.0.1:8181}, or {@code https://...}
   * with {@code tls}) for its policy.
   *
   * @param tls the client's TLS context for an https control plane, or null for the JDK's default
   * @throws IOException when it cannot be reached or answers other than 200; the message says which
   */
  public static LivePolicy fetch(URI base, String token, SSLContext tls) throws IOException {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls);
    }
    HttpClient http = b.build();
    HttpRequest request =
        HttpRequest.newBuilder(base.resolve(ReplayEndpoint.POLICY_PATH))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    HttpResponse<String> r;
    try {
      r = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      http.close();
    }
    if (r.statusCode() != 200) {
      throw new IOException("answered " + r.statusCode() + ": " + Texts.clean(r.body()));
    }
    try {
      return parse(r.body());
    } catch (RuntimeException e) {
      throw new IOException("answered what is no policy state: " + e.getMessage(), e);
    }
  }

  private static ObjectValue strings(Map<String, String> m) {
    Map<Value, Value> out = new LinkedHashMap<>();
    new java.util.TreeMap<>(m).forEach((k, v) -> out.put(StringValue.of(k), StringValue.of(v)));
    return ObjectValue.of(out);
  }

  private static Map<String, String> strings(ObjectValue o, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    if (o.get(StringValue.of(key)) instanceof ObjectValue m) {
      m.forEach(
          (k, v) -> {
            if (k instanceof StringValue ks && v instanceof StringValue vs) {
              out.put(ks.value(), vs.value());
            }
          });
    }
    return out;
  }
}
