package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code crypto.x509.parse_keypair}: a certificate chain and its private key, checked to match,
 * rendered like Go's {@code tls.Certificate}.
 */
final class X509KeyPairs {

  private X509KeyPairs() {}

  static Value parse(String certText, String keyText) {
    byte[] certPem = pemOrDecoded(certText);
    byte[] keyPem = pemOrDecoded(keyText);
    if (!startsWithBegin(certPem)) {
      certPem = CryptoBuiltins.utf8(CryptoPem.encode("CERTIFICATE", certPem));
    }
    if (!startsWithBegin(keyPem)) {
      keyPem = CryptoBuiltins.utf8(CryptoPem.encode("PRIVATE KEY", keyPem));
    }
    List<byte[]> ders = new ArrayList<>();
    byte[] rest = certPem;
    while (true) {
      CryptoPem.Block b = CryptoPem.decode(rest);
      if (b == null) {
        break;
      }
      if (b.type().equals("CERTIFICATE")) {
        ders.add(b.bytes());
      }
      rest = b.rest();
    }
    if (ders.isEmpty()) {
      throw BuiltinException.error("tls: failed to find any PEM data in certificate input");
    }
    List<PrivateKey> keys = X509PrivateKeys.fromPem(new String(keyPem, StandardCharsets.UTF_8));
    if (keys.isEmpty()) {
      throw BuiltinException.error("tls: failed to find any PEM data in key input");
    }
    X509Certificates.Parsed leaf = X509Certificates.parse(ders.get(0));
    PrivateKey key = keys.get(0);
    if (!matches(leaf, key)) {
      throw BuiltinException.error("tls: private key does not match public key");
    }
    List<Value> chain = new ArrayList<>();
    for (byte[] der : ders) {
      chain.add(X509GoJson.bytes(der));
    }
    return new X509GoJson.Fields()
        .put("Certificate", ArrayValue.of(chain))
        .put("PrivateKey", X509PrivateKeys.toGoJson(key))
        .put("SupportedSignatureAlgorithms", NullValue.NULL)
        .put("OCSPStaple", NullValue.NULL)
        .put("SignedCertificateTimestamps", NullValue.NULL)
        .put("Leaf", X509Certificates.toValue(leaf, false))
        .build();
  }

  private static boolean matches(X509Certificates.Parsed leaf, PrivateKey key) {
    var pub = leaf.jca().getPublicKey();
    return switch (key) {
      case java.security.interfaces.RSAPrivateCrtKey k ->
          pub instanceof java.security.interfaces.RSAPublicKey p
              && p.getModulus().equals(k.getModulus());
      case java.security.interfaces.ECPrivateKey k ->
          pub instanceof java.security.interfaces.ECPublicKey p
              && p.getW().equals(X509EcPoints.publicPoint(k));
      default ->
          pub.getAlgorithm().equals(key.getAlgorithm()) || key.getAlgorithm().equals("EdDSA");
    };
  }

  private static byte[] pemOrDecoded(String text) {
    byte[] bytes = CryptoBuiltins.utf8(text);
    return startsWithBegin(bytes) ? bytes : X509Builtins.base64(text);
  }

  private static boolean startsWithBegin(byte[] b) {
    byte[] prefix = "-----BEGIN ".getBytes(StandardCharsets.US_ASCII);
    return b.length >= prefix.length
        && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
  }
}
