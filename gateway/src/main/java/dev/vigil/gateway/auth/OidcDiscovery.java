package dev.vigil.gateway.auth;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway knows of one provider: its discovery document (OpenID Connect Discovery 1.0,
 * read again every hour so moved endpoints are followed, the last good one kept when a read fails)
 * and its signing keys ({@link JwksCache}). The key selector accepts only the configured
 * algorithms; the token's own {@code alg} header merely has to be one of them. Thread-safe; the
 * first call blocks on the network.
 */
final class OidcDiscovery {

  private static final Logger log = LoggerFactory.getLogger(OidcDiscovery.class);
  private static final Duration MAX_AGE = Duration.ofHours(1);

  private final OidcLogin.Config config;
  private final InstantSource clock;
  private final ProviderHttp http;
  private final JwksCache keys;
  private final JWSVerificationKeySelector<SecurityContext> selector;
  private volatile OIDCProviderMetadata metadata;
  private volatile long readAt;

  OidcDiscovery(OidcLogin.Config config, InstantSource clock) {
    this(config, clock, new ProviderHttp(ProviderHttp.DEADLINE));
  }

  /** A provider whose calls (discovery, keys, tokens) go through {@code http}. */
  OidcDiscovery(OidcLogin.Config config, InstantSource clock, ProviderHttp http) {
    this.config = config;
    this.clock = clock;
    this.http = http;
    this.keys = new JwksCache(() -> metadata.getJWKSetURI(), config.jwksMinInterval(), clock, http);
    Set<JWSAlgorithm> algs = new LinkedHashSet<>();
    config.algorithms().forEach(a -> algs.add(JWSAlgorithm.parse(a)));
    this.selector = new JWSVerificationKeySelector<>(algs, keys);
  }

  /** Returns the discovery document, reading it when unknown or an hour old. */
  OIDCProviderMetadata metadata() throws IOException {
    OIDCProviderMetadata m = metadata;
    long now = clock.millis();
    if (m != null && now - readAt < MAX_AGE.toMillis()) {
      return m;
    }
    synchronized (this) {
      if (metadata != null && now - readAt < MAX_AGE.toMillis()) {
        return metadata;
      }
      try {
        m = OIDCProviderMetadata.parse(http.get(documentUri()));
        check(m);
        metadata = m;
      } catch (GeneralException | IOException | RuntimeException e) {
        if (metadata == null) {
          throw new IOException(
              "OIDC discovery at " + config.issuer() + " failed: " + e.getMessage(), e);
        }
        log.warn(
            "OIDC discovery at {} failed, keeping the last: {}", config.issuer(), e.getMessage());
      }
      readAt = now;
      return metadata;
    }
  }

  /** OpenID Connect Discovery 1.0 section 4.1: the issuer, then the well-known path. */
  private URI documentUri() {
    String issuer = config.issuer().toString();
    String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
    return URI.create(base + "/.well-known/openid-configuration");
  }

  /** Returns the client that makes this provider's calls, under one deadline each. */
  ProviderHttp http() {
    return http;
  }

  /** OpenID Connect Discovery 1.0 section 4.3: the document must name the configured issuer. */
  private void check(OIDCProviderMetadata m) {
    if (!m.getIssuer().getValue().equals(config.issuer().toString())) {
      throw new IllegalStateException(
          "discovery names issuer \"" + m.getIssuer() + "\", not \"" + config.issuer() + "\"");
    }
  }

  JWSVerificationKeySelector<SecurityContext> keySelector() {
    return selector;
  }

  JwksCache keys() {
    return keys;
  }

  URI jwksUri() throws IOException {
    return metadata().getJWKSetURI();
  }
}
