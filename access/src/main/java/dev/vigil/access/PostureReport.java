package dev.vigil.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.vigil.httpkit.CompactJws;
import dev.vigil.httpkit.StrictJson;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Map;

/**
 * One posture report: the facts of a device, when it collected them and a nonce, signed by the
 * device's own key as a compact JWS (RFC 7515) with ES256, {@code typ} {@value #TYPE} and the
 * device id as {@code kid} and {@code sub}. The server verifies it with the public key of the
 * device's enrolled certificate, so only the holder of that key can speak for the device. A report
 * whose header or claims repeat a key, or whose header marks any parameter critical ({@code crit},
 * RFC 7515 §4.1.11: Vigil knows no JWS extension), is refused before its signature is checked.
 *
 * @param deviceId the device the report is about
 * @param issuedAt when the device signed it (whole seconds, the JWT {@code iat})
 * @param nonce a random value, unique per report (the JWT {@code jti}); a repeat is a replay
 * @param posture the facts
 */
public record PostureReport(String deviceId, Instant issuedAt, String nonce, Posture posture) {

  /** The JOSE {@code typ} of posture reports, so that no other signed token passes for one. */
  public static final String TYPE = "vigil-posture+jwt";

  /** Longer reports are refused before parsing. */
  static final int MAX_LENGTH = 16 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Returns a report of {@code posture} made now, with a fresh nonce. */
  public static PostureReport of(String deviceId, Instant now, Posture posture) {
    byte[] n = new byte[16];
    RANDOM.nextBytes(n);
    String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(n);
    return new PostureReport(deviceId, Instant.ofEpochSecond(now.getEpochSecond()), nonce, posture);
  }

  /** Signs the report with the device's EC P-256 key and returns the compact JWS. */
  public String sign(PrivateKey deviceKey) {
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(deviceId)
            .issueTime(Date.from(issuedAt))
            .jwtID(nonce)
            .claim("posture", posture.toMap())
            .build();
    SignedJWT jwt =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.ES256)
                .type(new JOSEObjectType(TYPE))
                .keyID(deviceId)
                .build(),
            claims);
    try {
      jwt.sign(new ECDSASigner((ECPrivateKey) deviceKey));
    } catch (JOSEException | ClassCastException e) {
      throw new IllegalStateException("cannot sign the report with this key: " + e.getMessage());
    }
    return jwt.serialize();
  }

  /**
   * Returns the device id a report claims to come from, before its signature is checked (to find
   * the key to check it with).
   *
   * @throws DeviceException {@code bad_report} when it is not a posture report at all, or its JSON
   *     repeats a key; {@code unsupported_critical_header} when its header has {@code crit}
   */
  static String claimedDevice(String jws) {
    SignedJWT jwt = parse(jws);
    String kid = jwt.getHeader().getKeyID();
    if (kid == null || kid.isBlank()) {
      throw new DeviceException("bad_report", "report header has no kid (the device id)");
    }
    return kid;
  }

  /**
   * Verifies the signature with {@code deviceKey} and returns the report.
   *
   * @throws DeviceException {@code bad_signature} when the signature does not verify, {@code
   *     bad_report} when a claim is missing or malformed
   */
  static PostureReport verify(String jws, PublicKey deviceKey) {
    SignedJWT jwt = parse(jws);
    try {
      if (!jwt.verify(new ECDSAVerifier((ECPublicKey) deviceKey))) {
        throw new DeviceException(
            "bad_signature", "report signature does not verify with the device's enrolled key");
      }
      JWTClaimsSet c = jwt.getJWTClaimsSet();
      String sub = c.getSubject();
      if (sub == null || !sub.equals(jwt.getHeader().getKeyID())) {
        throw new DeviceException("bad_report", "report sub must equal its kid, the device id");
      }
      if (c.getIssueTime() == null || c.getJWTID() == null || c.getJWTID().isBlank()) {
        throw new DeviceException("bad_report", "report must carry iat and jti (a nonce)");
      }
      Map<String, Object> facts = c.getJSONObjectClaim("posture");
      if (facts == null) {
        throw new DeviceException("bad_report", "report has no posture object");
      }
      return new PostureReport(
          sub, c.getIssueTime().toInstant(), c.getJWTID(), Posture.fromMap(facts));
    } catch (JOSEException | ParseException | ClassCastException e) {
      throw new DeviceException("bad_report", "report cannot be read: " + e.getMessage());
    }
  }

  private static SignedJWT parse(String jws) {
    if (jws == null || jws.isBlank() || jws.length() > MAX_LENGTH) {
      throw new DeviceException(
          "bad_report", "report must be a compact JWS of at most " + MAX_LENGTH + " characters");
    }
    try {
      CompactJws.check("posture report", jws);
    } catch (CompactJws.CriticalHeader e) {
      throw new DeviceException("unsupported_critical_header", e.getMessage());
    } catch (StrictJson.Refused e) {
      throw new DeviceException("bad_report", e.getMessage());
    }
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(jws.strip());
    } catch (ParseException e) {
      throw new DeviceException("bad_report", "report is not a compact JWS: " + e.getMessage());
    }
    // The algorithm is fixed by Vigil, never taken from the token.
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      throw new DeviceException(
          "bad_report", "report alg must be ES256, got " + jwt.getHeader().getAlgorithm());
    }
    if (!new JOSEObjectType(TYPE).equals(jwt.getHeader().getType())) {
      throw new DeviceException("bad_report", "report typ must be " + TYPE);
    }
    return jwt;
  }
}
