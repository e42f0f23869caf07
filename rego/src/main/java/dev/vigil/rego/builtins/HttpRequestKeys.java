package dev.vigil.rego.builtins;

import java.util.Set;

/**
 * The keys of an {@code http.send} request object, as OPA accepts them; {@code http.send} and
 * {@code providers.aws.sign_req} both refuse any other key.
 */
public final class HttpRequestKeys {

  /** Every key a request object may hold. */
  public static final Set<String> ALLOWED =
      Set.of(
          "method",
          "url",
          "body",
          "enable_redirect",
          "force_json_decode",
          "force_yaml_decode",
          "headers",
          "raw_body",
          "tls_use_system_certs",
          "tls_ca_cert",
          "tls_ca_cert_file",
          "tls_ca_cert_env_variable",
          "tls_client_cert",
          "tls_client_cert_file",
          "tls_client_cert_env_variable",
          "tls_client_key",
          "tls_client_key_file",
          "tls_client_key_env_variable",
          "tls_insecure_skip_verify",
          "tls_server_name",
          "timeout",
          "cache",
          "force_cache",
          "force_cache_duration_seconds",
          "raise_error",
          "caching_mode",
          "max_retry_attempts",
          "cache_ignored_headers");

  private HttpRequestKeys() {}
}
