package dev.vigil.pdp.bundle;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleSignaturesTest {

  @TempDir Path dir;
  private String privatePem;
  private String publicPem;

  @BeforeEach
  void keys() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair kp = g.generateKeyPair();
    privatePem = pem("PRIVATE KEY", kp.getPrivate().getEncoded());
    publicPem = pem("PUBLIC KEY", kp.getPublic().getEncoded());
    Files.writeString(dir.resolve("policy.rego"), "package authz\nallow := true\n");
    Files.writeString(dir.resolve("data.json"), "{\"a\": 1}");
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private Bundle signed() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BundleBuilder.build(dir, new BundleBuilder.Options("r1", null, "ES256", privatePem, "k1"), out);
    return BundleReader.read(out.toByteArray(), "signed.tar.gz");
  }

  private BundleSignatures.VerificationKey key() {
    return new BundleSignatures.VerificationKey("k1", "ES256", publicPem, null);
  }

  /**
   * A verification key that could never verify anything (not PEM, the private half, an algorithm of
   * no family) was taken at start, and every bundle was then refused as badly signed.
   */
  @Test
  void checkKey_keyThatCannotVerify_refusedSayingWhy() {
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new BundleSignatures.VerificationKey(null, "ES256", "JBSWY3DPEHPK3PXP", null)))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("not PEM text");
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new BundleSignatures.VerificationKey(null, "ES256", privatePem, null)))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("does not fit algorithm ES256");
    assertThatThrownBy(
            () ->
                BundleSignatures.checkKey(
                    new BundleSignatures.VerificationKey(null, "XS256", publicPem, null)))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("algorithm \"XS256\"");
  }

  @Test
  void checkKey_publicKeyOfItsAlgorithm_passes() {
    assertThatCode(() -> BundleSignatures.checkKey(key())).doesNotThrowAnyException();
  }

  @Test
  void verify_untouchedBundle_passes() {
    assertThatCode(() -> BundleSignatures.verify(signed(), key())).doesNotThrowAnyException();
  }

  @Test
  void verify_changedFile_refusedNamingIt() {
    Bundle b = signed();
    Map<String, byte[]> files = new LinkedHashMap<>(b.files());
    files.put("policy.rego", "package authz\nallow := false\n".getBytes());

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("policy.rego does not match its signed hash");
  }

  @Test
  void verify_addedFile_refused() {
    Map<String, byte[]> files = new LinkedHashMap<>(signed().files());
    files.put("extra.rego", "package extra\n".getBytes());

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("extra.rego is not covered by the signature");
  }

  @Test
  void verify_removedFile_refused() {
    Map<String, byte[]> files = new LinkedHashMap<>(signed().files());
    files.remove("data.json");

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("data.json is missing from the bundle");
  }

  @Test
  void verify_unsignedBundle_refusedWhenKeyConfigured() {
    Map<String, byte[]> files = new LinkedHashMap<>(signed().files());
    files.remove(BundleReader.SIGNATURES);

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("not signed");
  }

  @Test
  void verify_algorithmFromHeaderNotTrusted_hmacWithPublicKeyRefused() {
    // A signature made with HS256 using the public key text as secret must not pass an ES256 key.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BundleBuilder.build(dir, new BundleBuilder.Options("r1", null, "HS256", publicPem, "k1"), out);
    Bundle forged = BundleReader.read(out.toByteArray(), "forged.tar.gz");

    assertThatThrownBy(() -> BundleSignatures.verify(forged, key()))
        .hasMessageContaining("uses algorithm HS256 but the key is configured for ES256");
  }

  @Test
  void verify_otherKey_refused() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    String otherPublic = pem("PUBLIC KEY", g.generateKeyPair().getPublic().getEncoded());

    assertThatThrownBy(
            () ->
                BundleSignatures.verify(
                    signed(),
                    new BundleSignatures.VerificationKey("k1", "ES256", otherPublic, null)))
        .hasMessageContaining("does not verify");
  }

  /** The signed bundle's files with {@code .signatures.json} replaced by one JWS made as given. */
  private Map<String, byte[]> resigned(String header, String payload) throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>(signed().files());
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    String sig =
        new ECDSASigner((ECPrivateKey) PemKeys.read(privatePem))
            .sign(
                new JWSHeader.Builder(JWSAlgorithm.ES256).build(),
                input.getBytes(StandardCharsets.US_ASCII))
            .toString();
    files.put(
        BundleReader.SIGNATURES,
        ("{\"signatures\":[\"" + input + "." + sig + "\"]}").getBytes(StandardCharsets.UTF_8));
    return files;
  }

  /** The file entries of the signed bundle's own payload, as JSON text. */
  private String signedEntries() throws Exception {
    String sigs = new String(signed().files().get(BundleReader.SIGNATURES), StandardCharsets.UTF_8);
    String jws = sigs.substring(sigs.indexOf("[\"") + 2, sigs.indexOf("\"]"));
    String payload =
        new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]), StandardCharsets.UTF_8);
    return payload.substring(payload.indexOf('[') + 1, payload.lastIndexOf(']'));
  }

  @Test
  void verify_resignedAsBuilt_passes() throws Exception {
    // The baseline of the tests below: the helpers make a signature that verifies.
    String payload = "{\"files\":[" + signedEntries() + "],\"keyid\":\"k1\"}";
    Map<String, byte[]> files = resigned("{\"alg\":\"ES256\",\"kid\":\"k1\"}", payload);

    assertThatCode(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .doesNotThrowAnyException();
  }

  @Test
  void verify_unknownCriticalHeader_refusedSayingCritNotDoesNotVerify() throws Exception {
    String payload = "{\"files\":[" + signedEntries() + "],\"keyid\":\"k1\"}";
    Map<String, byte[]> files =
        resigned("{\"alg\":\"ES256\",\"kid\":\"k1\",\"crit\":[\"x\"],\"x\":1}", payload);

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("t: signature: header marks parameters critical (crit)");
  }

  @Test
  void verify_payloadRepeatingKeyid_refusedNamingTheKey() throws Exception {
    String payload = "{\"files\":[" + signedEntries() + "],\"keyid\":\"other\",\"keyid\":\"k1\"}";
    Map<String, byte[]> files = resigned("{\"alg\":\"ES256\",\"kid\":\"k1\"}", payload);

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("t: signature payload: duplicate key \"keyid\"");
  }

  @Test
  void verify_payloadListingAFileTwice_refusedNamingIt() throws Exception {
    String entries = signedEntries();
    String wrong = entries.replaceAll("\"hash\":\"[0-9a-f]+\"", "\"hash\":\"00\"");
    String payload = "{\"files\":[" + wrong + "," + entries + "],\"keyid\":\"k1\"}";
    Map<String, byte[]> files = resigned("{\"alg\":\"ES256\",\"kid\":\"k1\"}", payload);

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("t: signature payload lists file ")
        .hasMessageContaining(" twice");
  }

  @Test
  void verify_signaturesFileRepeatingSignatures_refusedNamingTheKey() {
    Map<String, byte[]> files = new LinkedHashMap<>(signed().files());
    String real = new String(files.get(BundleReader.SIGNATURES), StandardCharsets.UTF_8);
    files.put(
        BundleReader.SIGNATURES,
        real.replace("{\"signatures\":", "{\"signatures\":[\"x.y.z\"],\"signatures\":")
            .getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> BundleSignatures.verify(BundleReader.fromFiles("t", files), key()))
        .hasMessageContaining("t: .signatures.json: duplicate key \"signatures\"");
  }
}
