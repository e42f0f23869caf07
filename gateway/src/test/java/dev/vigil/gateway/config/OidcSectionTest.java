package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The {@code oidc} section: one provider or a list, and routes that name a provider. */
class OidcSectionTest {

  @TempDir Path dir;

  // The secret comes from an environment variable; PATH is one every test run has.
  static final String PROVIDER =
      """
        issuer: https://idp.example.com
        client_id: gw
        client_secret_env: PATH
        redirect_uri: https://gw.example.com/auth/callback
      """;

  VigilConfig read(String yaml) throws Exception {
    Path f = dir.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return VigilConfig.read(f, dir);
  }

  @Test
  void read_singleProviderMapping_isNamedDefault() throws Exception {
    VigilConfig c = read("oidc:\n" + PROVIDER);

    assertThat(c.oidc())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.name()).isEqualTo("default");
              assertThat(p.algorithms()).containsExactly("RS256");
              assertThat(p.audiences()).containsExactly("gw");
            });
  }

  @Test
  void read_providerList_withRouteNamingOne() throws Exception {
    VigilConfig c =
        read(
            "oidc:\n  - name: corp\n"
                + PROVIDER.replace("  ", "    ")
                + "    mfa_acr: [urn:example:mfa]\n"
                + "  - name: partner\n"
                + PROVIDER.replace("  ", "    ")
                + "routes:\n  - name: p\n    upstream: http://127.0.0.1:9\n"
                + "    policy: authz/allow\n    identity_provider: partner\n");

    assertThat(c.oidc()).extracting(p -> p.name()).containsExactly("corp", "partner");
    assertThat(c.oidc().get(0).mfaAcr()).containsExactly("urn:example:mfa");
    assertThat(c.routes().get(0).identityProvider()).isEqualTo("partner");
  }

  @Test
  void read_routeNamingAnUnknownProvider_failsWithTheLine() {
    assertThatThrownBy(
            () ->
                read(
                    "routes:\n  - name: p\n    upstream: http://127.0.0.1:9\n"
                        + "    policy: authz/allow\n    identity_provider: nobody\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:5")
        .hasMessageContaining("no identity provider \"nobody\"");
  }

  @Test
  void read_hmacAlgorithm_refused() {
    assertThatThrownBy(() -> read("oidc:\n" + PROVIDER + "  algorithms: [RS256, HS256]\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("\"HS256\" is not an asymmetric JWS algorithm");
  }

  @Test
  void read_listWithoutNamesOrTwiceTheSameName_refused() {
    assertThatThrownBy(() -> read("oidc:\n  -" + PROVIDER.substring(1).replace("  ", "    ")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("missing required key \"name\"");
    String twice = "  - name: a\n" + PROVIDER.replace("  ", "    ");
    assertThatThrownBy(() -> read("oidc:\n" + twice + twice))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("used twice");
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "issuer|idp.example.com|4",
        "issuer|not a url|4",
        "issuer|https://idp.example.com/?tenant=a|4",
        "issuer|ftp://idp.example.com|4",
        "issuer|https://idp.example.com:99999|4",
        "redirect_uri|https://gw.example.com:0/auth/callback|7",
        "redirect_uri|/auth/callback|7",
        "redirect_uri|http://a b/auth/callback|7",
        "redirect_uri|https://gw.example.com/auth/callback#x|7"
      })
  void read_urlThatIsNoAbsoluteHttpUrl_refusedNamingTheKeyAndItsLine(
      String key, String value, int line) {
    String yaml =
        "oidc:\n"
            + PROVIDER.replaceFirst("(?m)^  " + key + ": .*$", "  " + key + ": \"" + value + "\"");

    assertThatThrownBy(() -> read("gateway:\n  addr: 127.0.0.1:9\n" + yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:" + line)
        .hasMessageContaining("oidc." + key)
        .hasMessageContaining("\"" + value + "\"");
  }
}
