package dev.vigil.gateway.config;

import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The {@code oidc} section of the configuration: one provider as a mapping (the original form,
 * named {@code default} unless it says otherwise), or a list of providers each with a {@code name};
 * the first is the default of routes that name none.
 */
final class OidcSection {

  private static final Set<String> KEYS =
      Set.of(
          "name",
          "issuer",
          "client_id",
          "client_secret_env",
          "redirect_uri",
          "algorithms",
          "scopes",
          "audiences",
          "mfa_acr",
          "mfa_amr",
          "jwks_min_interval");

  private OidcSection() {}

  static List<OidcLogin.Config> read(YamlNode n, Function<YamlNode, Duration> durations) {
    if (n.isMissing()) {
      return List.of();
    }
    if (!n.isSequence()) {
      return List.of(provider(n, "default", durations));
    }
    List<OidcLogin.Config> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (YamlNode p : n.sequence()) {
      YamlNode nameNode = p.mapping(KEYS).get("name");
      if (nameNode == null) {
        throw p.error("missing required key \"name\" (several providers need names)");
      }
      OidcLogin.Config c = provider(p, null, durations);
      if (c.name().equals(Session.LOCAL) || !names.add(c.name())) {
        throw nameNode.error("provider name \"" + c.name() + "\" is reserved or used twice");
      }
      out.add(c);
    }
    return out;
  }

  private static OidcLogin.Config provider(
      YamlNode n, String defaultName, Function<YamlNode, Duration> durations) {
    Map<String, YamlNode> m = n.mapping(KEYS);
    YamlNode envNode = required(n, m, "client_secret_env");
    String secret = System.getenv(envNode.string());
    if (secret == null || secret.isEmpty()) {
      throw envNode.error("environment variable " + envNode.string() + " holds no client secret");
    }
    List<String> algs = list(m, "algorithms", List.of("RS256"));
    for (String a : algs) {
      if (!a.matches("(RS|PS|ES)(256|384|512)|EdDSA")) {
        throw m.get("algorithms").error("\"" + a + "\" is not an asymmetric JWS algorithm");
      }
    }
    YamlNode interval = m.get("jwks_min_interval");
    try {
      return new OidcLogin.Config(
          m.containsKey("name") ? m.get("name").string() : defaultName,
          url(required(n, m, "issuer"), true),
          required(n, m, "client_id").string(),
          secret,
          url(required(n, m, "redirect_uri"), false),
          algs,
          list(m, "scopes", List.of("openid", "email", "profile")),
          list(m, "audiences", List.of()),
          list(m, "mfa_acr", List.of()),
          list(m, "mfa_amr", List.copyOf(Session.MFA_AMR)),
          interval == null ? Duration.ofSeconds(30) : durations.apply(interval));
    } catch (IllegalArgumentException e) {
      throw n.error(e.getMessage());
    }
  }

  /**
   * Reads an absolute {@code http(s)} URL without a fragment, or without a query either for the
   * issuer (OpenID Connect Discovery 1.0 section 4.1, RFC 9207). Anything else was accepted before
   * and failed at the first sign-in, or at the provider.
   */
  private static URI url(YamlNode node, boolean issuer) {
    URI uri = VigilConfig.httpUrl(node, "https://idp.example.com");
    if (issuer && uri.getRawQuery() != null) {
      throw node.error("\"" + uri + "\": an issuer has no query");
    }
    return uri;
  }

  private static List<String> list(Map<String, YamlNode> m, String k, List<String> fallback) {
    YamlNode n = m.get(k);
    return n == null || n.isMissing() ? fallback : n.strings();
  }

  private static YamlNode required(YamlNode parent, Map<String, YamlNode> m, String k) {
    YamlNode n = m.get(k);
    if (n == null || n.isMissing()) {
      throw parent.error("missing required key \"" + k + "\"");
    }
    return n;
  }
}
