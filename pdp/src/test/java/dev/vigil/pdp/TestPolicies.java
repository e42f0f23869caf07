package dev.vigil.pdp;

import dev.vigil.pdp.bundle.Bundle;
import dev.vigil.pdp.bundle.BundleReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Policies shared by the decision point's tests. */
public final class TestPolicies {

  /** The v0 policy of the Rego engine issue, exactly as written there. */
  public static final String AUTHZ_V0 =
      """
      package authz
      default allow = false
      allow {
      input.user.role == "sre"
      input.resource.environment == "production"
      input.action == "read"
      }
      """;

  private TestPolicies() {}

  /** Returns a bundle holding {@code authz.rego} whose manifest gives it the root {@code authz}. */
  public static Bundle rootedBundle(String rego) {
    return BundleReader.fromFiles(
        "test-bundle",
        Map.of(
            "authz.rego", rego.getBytes(StandardCharsets.UTF_8),
            ".manifest", "{\"roots\": [\"authz\"]}".getBytes(StandardCharsets.UTF_8)));
  }

  /** Returns a bundle holding one file, {@code authz.rego}. */
  public static Bundle bundle(String rego) {
    return BundleReader.fromFiles(
        "test-bundle", Map.of("authz.rego", rego.getBytes(StandardCharsets.UTF_8)));
  }
}
