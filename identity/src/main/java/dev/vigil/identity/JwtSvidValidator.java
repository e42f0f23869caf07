package dev.vigil.identity;

import static dev.vigil.identity.SvidRejectedException.Reason;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.httpkit.StrictJson;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Verifies JWT-SVIDs against the SPIFFE JWT-SVID specification and the trust bundle of the
 * subject's trust domain.
 *
 * <p>The header may hold only {@code alg}, {@code kid} and {@code typ} (section 2); {@code typ},
 * when present, is {@code JWT} or {@code JOSE} (2.2); {@code kid} must be present, since keys are
 * found by it. The key is looked up by {@code kid} in the bundle of the trust domain named by
 * {@code sub} (a SPIFFE ID with a path, 3.1), and the algorithms allowed are taken from that key —
 * ES256 for P-256, ES384 for P-384, RS and PS for RSA — never from the token, so {@code none} in
 * any spelling, HMAC and a missing {@code alg} are refused before any signature check (security
 * case C08). Then the signature, {@code aud} (present and holding the verifier's audience, 3.2) and
 * {@code exp} (present and in the future at the clock's time, 3.3) are checked.
 *
 * <p>Thread-safe when its bundle source is. Never throws anything but {@link SvidRejectedException}
 * for a bad token.
 */
public final class JwtSvidValidator {

  private static final Set<String> HEADER_FIELDS = Set.of("alg", "kid", "typ");
  private static final int MAX_TOKEN_CHARS = 16 * 1024;

  private final BundleSource bundles;
  private final InstantSource clock;

  public JwtSvidValidator(BundleSource bundles, InstantSource clock) {
    this.bundles = bundles;
    this.clock = clock;
  }

  /**
   * Verifies {@code token} for a verifier known as {@code audience} and returns what it asserts.
   *
   * @throws SvidRejectedException with the rule broken
   */
  public JwtSvid validate(String token, String audience) throws SvidRejectedException {
    if (audience == null || audience.isEmpty()) {
      throw new IllegalArgumentException("the verifier's audience must be given");
    }
    try {
      return check(token, audience);
    } catch (SvidRejectedException e) {
      throw e;
    } catch (RuntimeException e) {
      // Any parser failure on hostile input is a refusal, never a crash (case C08).
      throw new SvidRejectedException(Reason.JWT_MALFORMED, "JWT-SVID does not parse: " + e);
    }
  }

  private JwtSvid check(String token, String audience) throws SvidRejectedException {
    String[] parts = split(token);
    Map<String, Object> header = json(parts[0], "header");
    String kid = checkHeader(header);
    JWTClaimsSet claims = claims(parts[1]);
    SpiffeId subject = subject(claims);

    TrustBundle bundle =
        bundles
            .bundle(subject.trustDomain())
            .orElseThrow(
                () ->
                    new SvidRejectedException(
                        Reason.NO_BUNDLE,
                        "JWT-SVID for "
                            + subject
                            + ": trust domain \""
                            + subject.trustDomain()
                            + "\" is not trusted here (no trust bundle for it)"));
    PublicKey key = bundle.jwtAuthorities().get(kid);
    if (key == null) {
      throw new SvidRejectedException(
          Reason.JWT_KEY_UNKNOWN,
          "JWT-SVID key id \"" + kid + "\" is not in the bundle of " + subject.trustDomain());
    }
    String alg = String.valueOf(header.get("alg"));
    Set<JWSAlgorithm> allowed = allowedAlgorithms(key);
    if (!allowed.contains(JWSAlgorithm.parse(alg))) {
      throw new SvidRejectedException(
          Reason.JWT_ALGORITHM,
          "JWT-SVID algorithm \""
              + alg
              + "\" is not allowed for key \""
              + kid
              + "\" (allowed: "
              + allowed
              + ")");
    }
    verifySignature(token, key, kid);

    List<String> aud = claims.getAudience();
    if (aud == null || aud.isEmpty()) {
      throw new SvidRejectedException(Reason.JWT_AUDIENCE, "JWT-SVID has no audience (aud)");
    }
    if (!aud.contains(audience)) {
      throw new SvidRejectedException(
          Reason.JWT_AUDIENCE,
          "JWT-SVID audience " + aud + " does not include \"" + audience + "\"");
    }
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new SvidRejectedException(
          Reason.JWT_EXPIRY_MISSING, "JWT-SVID has no expiration time (exp)");
    }
    Instant now = clock.instant();
    if (!now.isBefore(exp.toInstant())) {
      throw new SvidRejectedException(
          Reason.JWT_EXPIRED, "JWT-SVID for " + subject + " expired at " + exp.toInstant());
    }
    return new JwtSvid(token, subject, aud, exp.toInstant());
  }

  private static String[] split(String token) throws SvidRejectedException {
    if (token == null || token.isEmpty()) {
      throw new SvidRejectedException(Reason.JWT_MALFORMED, "JWT-SVID is empty");
    }
    if (token.length() > MAX_TOKEN_CHARS) {
      throw new SvidRejectedException(
          Reason.JWT_MALFORMED, "JWT-SVID is longer than " + MAX_TOKEN_CHARS + " characters");
    }
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw new SvidRejectedException(
          Reason.JWT_MALFORMED,
          "JWT-SVID must be a compact JWS of three parts, has " + parts.length);
    }
    if (parts[2].isEmpty()) {
      throw new SvidRejectedException(Reason.JWT_SIGNATURE, "JWT-SVID has an empty signature");
    }
    return parts;
  }

  private static Map<String, Object> json(String part, String what) throws SvidRejectedException {
    try {
      String text = new String(new Base64URL(part).decode(), StandardCharsets.UTF_8);
      // A repeated key would be read last-wins here and first-wins elsewhere.
      StrictJson.requireUniqueKeys("JWT-SVID " + what, text);
      return JSONObjectUtils.parse(text);
    } catch (StrictJson.Refused e) {
      throw new SvidRejectedException(Reason.JWT_MALFORMED, e.getMessage());
    } catch (ParseException e) {
      throw new SvidRejectedException(
          Reason.JWT_MALFORMED, "JWT-SVID " + what + " is not a JSON object");
    }
  }

  private static String checkHeader(Map<String, Object> header) throws SvidRejectedException {
    for (String field : header.keySet()) {
      if (!HEADER_FIELDS.contains(field)) {
        throw new SvidRejectedException(
            Reason.JWT_HEADER_FIELD,
            "JWT-SVID header field \"" + field + "\" is not allowed (only alg, kid, typ)");
      }
    }
    if (!(header.get("alg") instanceof String alg) || alg.isEmpty()) {
      throw new SvidRejectedException(Reason.JWT_ALGORITHM, "JWT-SVID header has no alg");
    }
    Object typ = header.get("typ");
    if (typ != null && !"JWT".equals(typ) && !"JOSE".equals(typ)) {
      throw new SvidRejectedException(
          Reason.JWT_TYPE, "JWT-SVID typ \"" + typ + "\" is not allowed (only JWT or JOSE)");
    }
    if (!(header.get("kid") instanceof String kid) || kid.isEmpty()) {
      throw new SvidRejectedException(Reason.JWT_KEY_ID_MISSING, "JWT-SVID header has no kid");
    }
    return kid;
  }

  private static JWTClaimsSet claims(String part) throws SvidRejectedException {
    try {
      return JWTClaimsSet.parse(json(part, "payload"));
    } catch (ParseException e) {
      throw new SvidRejectedException(
          Reason.JWT_MALFORMED, "JWT-SVID claims are malformed: " + e.getMessage());
    }
  }

  private static SpiffeId subject(JWTClaimsSet claims) throws SvidRejectedException {
    String sub = claims.getSubject();
    if (sub == null) {
      throw new SvidRejectedException(Reason.JWT_SUBJECT, "JWT-SVID has no subject (sub)");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(sub);
    } catch (SpiffeIdException e) {
      throw new SvidRejectedException(
          Reason.JWT_SUBJECT, "JWT-SVID subject is not a SPIFFE ID: " + e.getMessage());
    }
    if (id.isTrustDomainId()) {
      throw new SvidRejectedException(
          Reason.JWT_SUBJECT, "JWT-SVID subject " + id + " has no path; it names no workload");
    }
    return id;
  }

  static Set<JWSAlgorithm> allowedAlgorithms(PublicKey key) {
    return switch (KeyType.of(key)) {
      case EC_P256 -> Set.of(JWSAlgorithm.ES256);
      case EC_P384 -> Set.of(JWSAlgorithm.ES384);
      case RSA_2048, RSA_3072 ->
          Set.of(
              JWSAlgorithm.RS256,
              JWSAlgorithm.RS384,
              JWSAlgorithm.RS512,
              JWSAlgorithm.PS256,
              JWSAlgorithm.PS384,
              JWSAlgorithm.PS512);
    };
  }

  private static void verifySignature(String token, PublicKey key, String kid)
      throws SvidRejectedException {
    boolean ok;
    try {
      JWSVerifier verifier =
          key instanceof ECPublicKey ec
              ? new ECDSAVerifier(ec)
              : new RSASSAVerifier((RSAPublicKey) key);
      ok = SignedJWT.parse(token).verify(verifier);
    } catch (JOSEException | ParseException e) {
      ok = false;
    }
    if (!ok) {
      throw new SvidRejectedException(
          Reason.JWT_SIGNATURE, "JWT-SVID signature does not verify with key \"" + kid + "\"");
    }
  }
}
