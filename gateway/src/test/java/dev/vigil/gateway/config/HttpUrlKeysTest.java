package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every URL key of vigil.yaml meets the same check, with the same words, at the key's own line.
 * Regression: {@code access.notify.url}, {@code routes[].upstream} and {@code oidc} each had a
 * check of their own, so one mistake read three ways (a webhook with a #fragment was "not an
 * http(s) URL", an upstream that did not parse did not say where).
 */
class HttpUrlKeysTest {

  @TempDir Path dir;

  /** A file with {@code %s} where the URL goes, the key and the line it is on. */
  private static final String[][] PLACES = {
    {
      "routes:\n  - name: r\n    policy: a/allow\n    upstream: \"%s\"\n", "routes[0].upstream", "4"
    },
    {"access:\n  notify:\n    url: \"%s\"\n", "access.notify.url", "3"},
    {
      "gateway:\n  addr: 127.0.0.1:9\noidc:\n  issuer: \"%s\"\n  client_id: gw\n"
          + "  client_secret_env: PATH\n  redirect_uri: https://gw.example.com/auth/callback\n",
      "oidc.issuer",
      "4"
    },
    {
      "gateway:\n  addr: 127.0.0.1:9\noidc:\n  issuer: https://idp.example.com\n  client_id: gw\n"
          + "  client_secret_env: PATH\n  redirect_uri: \"%s\"\n",
      "oidc.redirect_uri",
      "7"
    },
  };

  /** A URL every key refuses, and what the error says of it after the quoted URL. */
  private static final String[][] MISTAKES = {
    {"http://a b/x", " is not a URL (Illegal character in authority at index 8); write one like "},
    {"ftp://h.example/x", " is not an http(s) URL with a host, like "},
    {"https:/x", " is not an http(s) URL with a host, like "},
    {"https://h.example/x#top", " holds a #fragment, which is never sent"},
    {"https://h.example:0/x", ": port 0 is not from 1 to 65535"},
  };

  static List<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String[] place : PLACES) {
      for (String[] mistake : MISTAKES) {
        out.add(Arguments.of(place[1], place[2], place[0], mistake[0], mistake[1]));
      }
    }
    return out;
  }

  @ParameterizedTest(name = "{0}: {3}")
  @MethodSource("cases")
  void read_badUrl_refusedAlikeAtTheKeysLine(
      String key, String line, String yaml, String url, String reason) throws Exception {
    Path f = dir.resolve("vigil.yaml");
    Files.writeString(f, yaml.formatted(url));

    assertThatThrownBy(() -> VigilConfig.read(f, dir.resolve("data")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:" + line + ": " + key + ": \"" + url + "\"" + reason);
  }
}
