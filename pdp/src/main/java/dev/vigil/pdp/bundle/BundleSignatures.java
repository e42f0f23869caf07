package dev.vigil.pdp.bundle;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import dev.vigil.httpkit.CompactJws;
import dev.vigil.httpkit.StrictJson;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Signs and verifies bundles as OPA does: {@code .signatures.json} holds one JWS whose payload
 * lists every file of the bundle with its hash. JSON files are hashed in their normalised form
 * (parsed and written compactly with sorted keys), other files as bytes.
 *
 * <p>The algorithm is taken from the configured key, never from the signature's header, and every
 * file must be listed with a matching hash: an added, removed or changed file refuses the bundle.
 */
public final class BundleSignatures {

  /**
   * A verification key.
   *
   * @param keyId the key id the signature must name (in its header {@code kid} or payload {@code
   *     keyid}), or null to accept any
   * @param algorithm the JWS algorithm, e.g. RS256, ES256, HS256
   * @param key PEM text of a public key or certificate, or the shared secret for HS*
   * @param scope the scope the signature must carry, or null
   */
  public record VerificationKey(String keyId, String algorithm, String key, String scope) {}

  private BundleSignatures() {}

  /**
   * Checks that {@code key} can verify signatures of its algorithm, so that a key that never could
   * is refused when it is configured rather than with every bundle.
   *
   * @throws BundleException saying what does not fit
   */
  public static void checkKey(VerificationKey key) {
    JWSAlgorithm alg = JWSAlgorithm.parse(key.algorithm());
    if (!HMAC.contains(alg)
        && !JWSAlgorithm.Family.RSA.contains(alg)
        && !JWSAlgorithm.Family.EC.contains(alg)) {
      throw new BundleException(
          "algorithm \"" + key.algorithm() + "\" is not one of RS*, PS*, ES* or HS* (e.g. ES256)");
    }
    try {
      verifier(alg, key.key());
    } catch (JOSEException e) {
      throw new BundleException("key cannot verify " + alg + ": " + e.getMessage());
    }
  }

  /** Verifies a bundle's signature; throws {@link BundleException} saying what does not match. */
  public static void verify(Bundle bundle, VerificationKey key) {
    byte[] raw = bundle.files().get(BundleReader.SIGNATURES);
    String src = bundle.source();
    if (raw == null) {
      throw new BundleException(
          src
              + ": bundle is not signed ("
              + BundleReader.SIGNATURES
              + " missing) but a verification key is configured");
    }
    JWSObject jws = parseSignature(src, raw);
    JWSAlgorithm alg = JWSAlgorithm.parse(key.algorithm());
    if (!alg.equals(jws.getHeader().getAlgorithm())) {
      throw new BundleException(
          src
              + ": signature uses algorithm "
              + jws.getHeader().getAlgorithm()
              + " but the key is configured for "
              + alg);
    }
    try {
      if (!jws.verify(verifier(alg, key.key()))) {
        throw new BundleException(src + ": signature does not verify with the configured key");
      }
    } catch (JOSEException e) {
      throw new BundleException(src + ": signature cannot be verified: " + e.getMessage());
    }
    ObjectValue payload = payload(src, jws);
    if (key.keyId() != null) {
      String kid = jws.getHeader().getKeyID();
      if (payload.get("keyid") instanceof StringValue s) {
        kid = s.value();
      }
      if (!key.keyId().equals(kid)) {
        throw new BundleException(
            src + ": signature names key \"" + kid + "\", expected \"" + key.keyId() + "\"");
      }
    }
    if (key.scope() != null
        && !(payload.get("scope") instanceof StringValue s && s.value().equals(key.scope()))) {
      throw new BundleException(src + ": signature scope does not match \"" + key.scope() + "\"");
    }
    checkFiles(bundle, payload);
  }

  private static void checkFiles(Bundle bundle, ObjectValue payload) {
    String src = bundle.source();
    if (!(payload.get("files") instanceof ArrayValue listed)) {
      throw new BundleException(src + ": signature payload has no list of files");
    }
    Map<String, ObjectValue> byName = new HashMap<>();
    for (Value v : listed.elements()) {
      if (v instanceof ObjectValue f && f.get("name") instanceof StringValue n) {
        if (byName.put(strip(n.value()), f) != null) {
          throw new BundleException(
              src + ": signature payload lists file " + strip(n.value()) + " twice");
        }
      } else {
        throw new BundleException(src + ": signature payload lists a file without a name");
      }
    }
    for (Map.Entry<String, byte[]> e : bundle.files().entrySet()) {
      String name = strip(e.getKey());
      if (name.equals(BundleReader.SIGNATURES)) {
        continue;
      }
      ObjectValue entry = byName.remove(name);
      if (entry == null) {
        throw new BundleException(src + ": file " + name + " is not covered by the signature");
      }
      String algorithm = entry.get("algorithm") instanceof StringValue a ? a.value() : "SHA-256";
      String want = entry.get("hash") instanceof StringValue h ? h.value() : "";
      String got = hash(name, e.getValue(), algorithm, src);
      if (!MessageDigest.isEqual(
          want.getBytes(StandardCharsets.US_ASCII), got.getBytes(StandardCharsets.US_ASCII))) {
        throw new BundleException(src + ": file " + name + " does not match its signed hash");
      }
    }
    if (!byName.isEmpty()) {
      throw new BundleException(
          src
              + ": signed file "
              + byName.keySet().iterator().next()
              + " is missing from the bundle");
    }
  }

  /**
   * Returns the content of {@code .signatures.json} signing the given files.
   *
   * @param privateKey PEM text of an RSA or EC private key, or the shared secret for HS*
   */
  public static String sign(
      Map<String, byte[]> files, String algorithm, String privateKey, String keyId) {
    List<Value> listed = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
      String name = strip(e.getKey());
      if (name.equals(BundleReader.SIGNATURES)) {
        continue;
      }
      listed.add(
          ObjectValue.of(
              StringValue.of("name"), StringValue.of(name),
              StringValue.of("hash"), StringValue.of(hash(name, e.getValue(), "SHA-256", name)),
              StringValue.of("algorithm"), StringValue.of("SHA-256")));
    }
    Map<Value, Value> payload = new HashMap<>();
    payload.put(StringValue.of("files"), ArrayValue.of(listed));
    if (keyId != null) {
      payload.put(StringValue.of("keyid"), StringValue.of(keyId));
    }
    JWSAlgorithm alg = JWSAlgorithm.parse(algorithm);
    JWSHeader.Builder header = new JWSHeader.Builder(alg);
    if (keyId != null) {
      header.keyID(keyId);
    }
    JWSObject jws =
        new JWSObject(header.build(), new Payload(Json.write(ObjectValue.wrap(payload))));
    try {
      jws.sign(signer(alg, privateKey));
    } catch (JOSEException e) {
      throw new BundleException("cannot sign bundle: " + e.getMessage(), e);
    }
    return Json.write(
        ObjectValue.of(
            StringValue.of("signatures"), ArrayValue.of(StringValue.of(jws.serialize()))));
  }

  private static JWSObject parseSignature(String src, byte[] raw) {
    Value v;
    String text = new String(raw, StandardCharsets.UTF_8);
    try {
      v = Json.parse(text);
      // Rego's parser keeps the last of a repeated key, as OPA's does; a signature file must not
      // be read one way here and another by the tool that made it.
      StrictJson.requireUniqueKeys(src + ": " + BundleReader.SIGNATURES, text);
    } catch (StrictJson.Refused e) {
      throw new BundleException(e.getMessage());
    } catch (JsonException e) {
      throw new BundleException(src + ": " + BundleReader.SIGNATURES + ": invalid JSON");
    }
    if (!(v instanceof ObjectValue o)
        || !(o.get("signatures") instanceof ArrayValue sigs)
        || sigs.size() != 1
        || !(sigs.get(0) instanceof StringValue token)) {
      throw new BundleException(
          src + ": " + BundleReader.SIGNATURES + ": must hold exactly one signature");
    }
    try {
      CompactJws.check(src + ": signature", token.value());
    } catch (IllegalArgumentException e) {
      // A repeated key, or crit: Nimbus would report the latter as a signature that fails.
      throw new BundleException(e.getMessage());
    }
    try {
      return JWSObject.parse(token.value());
    } catch (ParseException e) {
      throw new BundleException(src + ": signature is not a valid JWS: " + e.getMessage());
    }
  }

  private static ObjectValue payload(String src, JWSObject jws) {
    try {
      if (Json.parse(jws.getPayload().toString()) instanceof ObjectValue o) {
        return o;
      }
    } catch (JsonException e) {
      // Reported below.
    }
    throw new BundleException(src + ": signature payload is not a JSON object");
  }

  private static String strip(String name) {
    String n = name;
    while (n.startsWith("/")) {
      n = n.substring(1);
    }
    return n;
  }

  private static String hash(String name, byte[] content, String algorithm, String src) {
    byte[] bytes = content;
    if (name.endsWith(".json") || name.equals(BundleReader.MANIFEST)) {
      try {
        bytes =
            Json.write(Json.parse(new String(content, StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
      } catch (JsonException e) {
        throw new BundleException(src + ": " + name + ": invalid JSON");
      }
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new BundleException(src + ": unsupported hash algorithm \"" + algorithm + "\"");
    }
  }

  private static final Set<JWSAlgorithm> HMAC =
      Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

  private static JWSVerifier verifier(JWSAlgorithm alg, String key) throws JOSEException {
    if (HMAC.contains(alg)) {
      return new MACVerifier(key.getBytes(StandardCharsets.UTF_8));
    }
    Key k = PemKeys.read(key);
    if (k instanceof RSAPublicKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
      return new RSASSAVerifier(rsa);
    }
    if (k instanceof ECPublicKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
      return new ECDSAVerifier(ec);
    }
    throw new BundleException("verification key does not fit algorithm " + alg);
  }

  private static JWSSigner signer(JWSAlgorithm alg, String key) throws JOSEException {
    if (HMAC.contains(alg)) {
      return new MACSigner(key.getBytes(StandardCharsets.UTF_8));
    }
    Key k = PemKeys.read(key);
    if (k instanceof RSAPrivateKey rsa && JWSAlgorithm.Family.RSA.contains(alg)) {
      return new RSASSASigner(rsa);
    }
    if (k instanceof ECPrivateKey ec && JWSAlgorithm.Family.EC.contains(alg)) {
      return new ECDSASigner(ec);
    }
    throw new BundleException("signing key does not fit algorithm " + alg);
  }
}
