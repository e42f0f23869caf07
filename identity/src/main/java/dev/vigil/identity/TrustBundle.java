package dev.vigil.identity;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.vigil.httpkit.StrictJson;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trust bundle of one trust domain: the root certificates that X.509-SVIDs chain to and the
 * public keys that JWT-SVIDs are signed with, in the SPIFFE bundle format (SPIFFE Trust Domain and
 * Bundle specification, section 4): a JWK set whose keys have {@code use} {@code x509-svid} (with
 * the certificate in {@code x5c}) or {@code jwt-svid} (with a {@code kid}), plus {@code
 * spiffe_sequence} and {@code spiffe_refresh_hint}. Immutable.
 *
 * @param trustDomain whose bundle this is
 * @param x509Authorities root certificates, in publication order
 * @param jwtAuthorities JWT signing keys by key id, in publication order
 * @param sequence increases with every change of the bundle
 * @param refreshHint how often consumers should fetch the bundle again
 */
public record TrustBundle(
    TrustDomain trustDomain,
    List<X509Certificate> x509Authorities,
    Map<String, PublicKey> jwtAuthorities,
    long sequence,
    Duration refreshHint) {

  private static final KeyUse X509_SVID = new KeyUse("x509-svid");
  private static final KeyUse JWT_SVID = new KeyUse("jwt-svid");

  public TrustBundle {
    x509Authorities = List.copyOf(x509Authorities);
    jwtAuthorities = Collections.unmodifiableMap(new LinkedHashMap<>(jwtAuthorities));
  }

  /** Returns the bundle in the SPIFFE bundle JSON format. */
  public String toJson() {
    List<Object> keys = new ArrayList<>();
    for (X509Certificate cert : x509Authorities) {
      try {
        List<Base64> x5c = List.of(Base64.encode(cert.getEncoded()));
        keys.add(jwk(cert.getPublicKey(), X509_SVID, null, x5c).toJSONObject());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    for (var e : jwtAuthorities.entrySet()) {
      keys.add(jwk(e.getValue(), JWT_SVID, e.getKey(), null).toJSONObject());
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("keys", keys);
    doc.put("spiffe_sequence", sequence);
    doc.put("spiffe_refresh_hint", refreshHint.toSeconds());
    return JSONObjectUtils.toJSONString(doc);
  }

  /** Returns only the JWT signing keys, as a plain JWK set (what the Workload API hands out). */
  public String jwtKeysJson() {
    List<Object> keys = new ArrayList<>();
    for (var e : jwtAuthorities.entrySet()) {
      keys.add(jwk(e.getValue(), JWT_SVID, e.getKey(), null).toJSONObject());
    }
    return JSONObjectUtils.toJSONString(Map.of("keys", keys));
  }

  /** Returns the root certificates as concatenated DER, as the Workload API carries them. */
  public byte[] x509AuthoritiesDer() {
    var out = new java.io.ByteArrayOutputStream();
    for (X509Certificate c : x509Authorities) {
      try {
        out.writeBytes(c.getEncoded());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toByteArray();
  }

  /** Returns the root certificates as PEM. */
  public String x509AuthoritiesPem() {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : x509Authorities) {
      sb.append(Certificates.pem(c));
    }
    return sb.toString();
  }

  /**
   * Parses a bundle of {@code trustDomain} in the SPIFFE bundle format, for federation.
   *
   * @throws IllegalArgumentException naming what is wrong with the document
   */
  public static TrustBundle parse(TrustDomain trustDomain, String json) {
    // A key with two "x" or two "use" would be one key here and another elsewhere.
    StrictJson.requireUniqueKeys("bundle of " + trustDomain, json);
    try {
      Map<String, Object> doc = JSONObjectUtils.parse(json);
      List<X509Certificate> roots = new ArrayList<>();
      Map<String, PublicKey> jwtKeys = new LinkedHashMap<>();
      List<Object> keys = JSONObjectUtils.getJSONArray(doc, "keys");
      if (keys == null) {
        throw new IllegalArgumentException("bundle of " + trustDomain + " has no \"keys\"");
      }
      for (Object o : keys) {
        if (!(o instanceof Map<?, ?> m)) {
          throw new IllegalArgumentException(
              "bundle of " + trustDomain + ": a key is not an object");
        }
        @SuppressWarnings("unchecked") // JSON objects from Nimbus's parser have string keys
        JWK jwk = JWK.parse((Map<String, Object>) m);
        addKey(trustDomain, jwk, roots, jwtKeys);
      }
      long seq = longOr(doc, "spiffe_sequence", 0);
      long hint = longOr(doc, "spiffe_refresh_hint", 300);
      return new TrustBundle(trustDomain, roots, jwtKeys, seq, Duration.ofSeconds(hint));
    } catch (ParseException | JOSEException e) {
      throw new IllegalArgumentException(
          "bundle of " + trustDomain + " is not a valid SPIFFE bundle: " + e.getMessage(), e);
    }
  }

  private static void addKey(
      TrustDomain td, JWK jwk, List<X509Certificate> roots, Map<String, PublicKey> jwtKeys)
      throws JOSEException {
    String use = jwk.getKeyUse() == null ? null : jwk.getKeyUse().getValue();
    if ("x509-svid".equals(use)) {
      List<Base64> x5c = jwk.getX509CertChain();
      if (x5c == null || x5c.size() != 1) {
        throw new IllegalArgumentException(
            "bundle of " + td + ": an x509-svid key must hold exactly one certificate in x5c");
      }
      X509Certificate cert = Certificates.fromDer(x5c.getFirst().decode());
      if (!cert.getPublicKey().equals(publicKey(jwk))) {
        throw new IllegalArgumentException(
            "bundle of " + td + ": an x509-svid key does not match its certificate");
      }
      checkRootNames(td, cert);
      roots.add(cert);
    } else if ("jwt-svid".equals(use)) {
      if (jwk.getKeyID() == null || jwk.getKeyID().isEmpty()) {
        throw new IllegalArgumentException("bundle of " + td + ": a jwt-svid key has no kid");
      }
      jwtKeys.put(jwk.getKeyID(), publicKey(jwk));
    } else {
      throw new IllegalArgumentException(
          "bundle of " + td + ": key use \"" + use + "\" is neither x509-svid nor jwt-svid");
    }
  }

  /**
   * Refuses a root whose URI SAN names another trust domain (a signing certificate may carry only
   * its own trust domain's ID, X509-SVID specification section 4.1): such a bundle was exported by
   * that other domain, and importing it under this name would let its CA speak for this one.
   */
  private static void checkRootNames(TrustDomain td, X509Certificate root) {
    List<String> uris;
    try {
      uris = X509SvidValidator.uriSans(root);
    } catch (SvidRejectedException e) {
      throw new IllegalArgumentException("bundle of " + td + ": " + e.getMessage(), e);
    }
    String own = td.id().toString();
    for (String uri : uris) {
      if (uri.regionMatches(true, 0, "spiffe:", 0, 7) && !uri.equals(own)) {
        throw new IllegalArgumentException(
            "bundle of "
                + td
                + ": root certificate serial "
                + root.getSerialNumber().toString(16)
                + " names "
                + uri
                + ", not "
                + own
                + "; is this the bundle of another trust domain?");
      }
    }
  }

  private static PublicKey publicKey(JWK jwk) throws JOSEException {
    if (jwk instanceof ECKey ec) {
      return ec.toECPublicKey();
    }
    if (jwk instanceof RSAKey rsa) {
      return rsa.toRSAPublicKey();
    }
    throw new JOSEException("key type " + jwk.getKeyType() + " is not supported");
  }

  private static long longOr(Map<String, Object> doc, String name, long fallback)
      throws ParseException {
    return doc.containsKey(name) ? JSONObjectUtils.getLong(doc, name) : fallback;
  }

  static JWK jwk(PublicKey key, KeyUse use, String kid, List<Base64> x5c) {
    if (key instanceof ECPublicKey ec) {
      Curve curve = Curve.forECParameterSpec(ec.getParams());
      return new ECKey.Builder(curve, ec).keyUse(use).keyID(kid).x509CertChain(x5c).build();
    }
    if (key instanceof RSAPublicKey rsa) {
      return new RSAKey.Builder(rsa).keyUse(use).keyID(kid).x509CertChain(x5c).build();
    }
    throw new IllegalArgumentException("key algorithm " + key.getAlgorithm() + " is not supported");
  }

  @Override
  public String toString() {
    return "TrustBundle["
        + trustDomain
        + ", "
        + x509Authorities.size()
        + " roots, "
        + jwtAuthorities.size()
        + " JWT keys, sequence "
        + sequence
        + "]";
  }
}
