package dev.vigil.pdp.extauthz;

import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.FOR;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.HOST;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.METHOD;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.ORIGINAL_METHOD;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.ORIGINAL_URI;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.PROTO;
import static dev.vigil.pdp.extauthz.PolicyInputBuilder.Forwarded.URI;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PolicyInputBuilderTest {

  static final Set<PolicyInputBuilder.Forwarded> ALL =
      EnumSet.of(FOR, HOST, URI, METHOD, PROTO, ORIGINAL_URI, ORIGINAL_METHOD);
  static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2026-12-04T10:00:00Z"));

  static HttpRequestDescription request(String peer, String target, String... headers) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.computeIfAbsent(headers[i], k -> new java.util.ArrayList<>()).add(headers[i + 1]);
    }
    return new HttpRequestDescription("GET", target, "auth.internal:8181", null, h, peer);
  }

  static ObjectValue req(ObjectValue input) {
    return (ObjectValue) input.get("request");
  }

  static String field(ObjectValue input, String name) {
    return String.valueOf(req(input).get(name));
  }

  static ObjectValue build(String trusted, HttpRequestDescription r) {
    TrustedProxies p =
        trusted.isEmpty() ? TrustedProxies.none() : TrustedProxies.parse(List.of(trusted));
    return new PolicyInputBuilder(p, CLOCK).build("test", r, ALL);
  }

  @Test
  void build_untrustedPeer_ignoresXForwardedUri() {
    // Case C05: an anonymous client names a public path for a protected request.
    ObjectValue in =
        build("", request("192.0.2.10", "/admin", "X-Forwarded-Uri", "/public/health"));

    assertThat(field(in, "path")).isEqualTo("\"/admin\"");
    assertThat(field(in, "forwarded")).isEqualTo("false");
  }

  @Test
  void build_trustedPeer_takesXForwardedUri() {
    ObjectValue in =
        build(
            "127.0.0.1/32",
            request("127.0.0.1", "/auth/verify", "X-Forwarded-Uri", "/public/health?a=b"));

    assertThat(field(in, "path")).isEqualTo("\"/public/health\"");
    assertThat(field(in, "query")).isEqualTo("\"a=b\"");
    assertThat(field(in, "forwarded")).isEqualTo("true");
  }

  @Test
  void build_peerOutsideTrustedBlock_ignoresEveryForwardingHeader() {
    ObjectValue in =
        build(
            "10.0.0.0/8",
            request(
                "192.0.2.10",
                "/admin",
                "X-Forwarded-Method",
                "GET",
                "X-Original-Method",
                "GET",
                "X-Original-URI",
                "/public/x",
                "X-Forwarded-Host",
                "public.example",
                "X-Forwarded-Proto",
                "https",
                "X-Forwarded-For",
                "10.0.0.1"));

    assertThat(field(in, "method")).isEqualTo("\"GET\"");
    assertThat(field(in, "path")).isEqualTo("\"/admin\"");
    assertThat(field(in, "host")).isEqualTo("\"auth.internal\"");
    assertThat(req(in).get("scheme")).isNull();
    assertThat(field(in, "source_ip")).isEqualTo("\"192.0.2.10\"");
  }

  @Test
  void build_untrustedXForwardedMethod_doesNotChangeTheMethod() {
    HttpRequestDescription r =
        new HttpRequestDescription(
            "DELETE", "/x", null, null, Map.of("X-Forwarded-Method", List.of("GET")), "192.0.2.1");

    assertThat(field(build("", r), "method")).isEqualTo("\"DELETE\"");
    assertThat(field(build("192.0.2.0/24", r), "method")).isEqualTo("\"GET\"");
  }

  @Test
  void build_xForwardedHost_onlyFromTrustedPeer_lowercasedWithoutPort() {
    HttpRequestDescription r = request("10.1.2.3", "/", "X-Forwarded-Host", "App.Example.COM:443");

    assertThat(field(build("", r), "host")).isEqualTo("\"auth.internal\"");
    assertThat(field(build("10.1.0.0/16", r), "host")).isEqualTo("\"app.example.com\"");
  }

  @Test
  void build_originalUriWinsOverForwardedUri_forNginx() {
    ObjectValue in =
        build(
            "127.0.0.1",
            request(
                "127.0.0.1", "/v1/authz/nginx", "X-Original-URI", "/a", "X-Forwarded-Uri", "/b"));

    assertThat(field(in, "path")).isEqualTo("\"/a\"");
  }

  @Test
  void build_ipv6TrustedPeer_honoursHeaders() {
    ObjectValue in =
        build(
            "fd00::/8",
            request(
                "fd00::5", "/x", "X-Forwarded-Uri", "/public/y", "X-Forwarded-For", "2001:db8::7"));

    assertThat(field(in, "path")).isEqualTo("\"/public/y\"");
    assertThat(field(in, "source_ip")).isEqualTo("\"2001:db8::7\"");
  }

  @Test
  void build_ipv6UntrustedPeer_keepsPeerAddress() {
    ObjectValue in = build("127.0.0.1/32", request("::1", "/x", "X-Forwarded-Uri", "/public/y"));

    assertThat(field(in, "path")).isEqualTo("\"/x\"");
    assertThat(field(in, "source_ip")).isEqualTo("\"::1\"");
  }

  @Test
  void build_forwardedForChain_takesRightMostUntrustedHop() {
    // The client wrote the first entry itself; the trusted proxies appended the others.
    ObjectValue in =
        build(
            "10.0.0.0/8",
            request(
                "10.0.0.2",
                "/",
                "X-Forwarded-For",
                "6.6.6.6, 198.51.100.9",
                "X-Forwarded-For",
                "10.0.0.1"));

    assertThat(field(in, "source_ip")).isEqualTo("\"198.51.100.9\"");
  }

  @Test
  void build_forwardedForWithGarbage_stopsAtTheLastGoodHop() {
    ObjectValue in =
        build("10.0.0.0/8", request("10.0.0.2", "/", "X-Forwarded-For", "evil, 10.0.0.1"));

    assertThat(field(in, "source_ip")).isEqualTo("\"10.0.0.1\"");
  }

  @Test
  void build_headers_dropForwardingHopByHopAndClientIdentityHeaders() {
    ObjectValue in =
        build(
            "",
            request(
                "192.0.2.1",
                "/",
                "X-Vigil-Subject",
                "admin",
                "X-Forwarded-Uri",
                "/public",
                "Connection",
                "close",
                "Accept",
                "text/html",
                "accept",
                "application/json",
                "Cookie",
                "a=1",
                "cookie",
                "b=2"));

    assertThat(Json.write(req(in).get("headers")))
        .isEqualTo("{\"accept\":\"text/html, application/json\",\"cookie\":\"a=1; b=2\"}");
  }

  @Test
  void build_document_hasVersionAdapterAndTime() {
    ObjectValue in = build("", request("192.0.2.1", "/x"));

    assertThat(in.get("version").toString()).isEqualTo("1");
    assertThat(in.get("adapter").toString()).isEqualTo("\"test\"");
    assertThat(field(in, "time")).isEqualTo("\"2026-12-04T10:00:00Z\"");
    assertThat(field(in, "peer_ip")).isEqualTo("\"192.0.2.1\"");
  }

  @Test
  void build_unknownPeer_leavesAddressesOutAndTrustsNothing() {
    HttpRequestDescription r =
        new HttpRequestDescription(
            "GET", "/a", null, null, Map.of("X-Forwarded-Uri", List.of("/public")), null);

    ObjectValue in = build("0.0.0.0/0", r);

    assertThat(req(in).get("source_ip")).isNull();
    assertThat(req(in).get("peer_ip")).isNull();
    assertThat(field(in, "path")).isEqualTo("\"/a\"");
  }

  @Test
  void build_badForwardedMethodFromTrustedPeer_isRefused() {
    HttpRequestDescription r = request("127.0.0.1", "/", "X-Forwarded-Method", "GET /admin");

    assertThatThrownBy(() -> build("127.0.0.1", r))
        .hasMessage("request method \"GET /ADMIN\" refused: not a token");
  }

  @Test
  void build_encodedSlashInForwardedUri_isRefused() {
    HttpRequestDescription r = request("127.0.0.1", "/", "X-Forwarded-Uri", "/public%2F..%2Fadmin");

    assertThatThrownBy(() -> build("127.0.0.1", r)).hasMessageContaining("ambiguous encoding %2F");
  }
}
