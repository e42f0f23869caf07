package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;

/**
 * Builtins of the X.509 family ({@code crypto.x509.*}, {@code crypto.parse_private_keys}). Input is
 * PEM text, or base64 of PEM or DER; output has the shape of Go's JSON encoding of its x509 types,
 * as OPA returns it.
 */
final class X509Builtins {

  private X509Builtins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "crypto.x509.parse_certificates",
        List.of(Type.STRING),
        Type.array(Type.object(Type.STRING, Type.ANY)),
        "Parses PEM or base64 DER certificates into objects.",
        (ctx, args) -> X509Certificates.toValue(certificates(Operands.string(args, 0)), true));
    r.register(
        "crypto.x509.parse_and_verify_certificates",
        List.of(Type.STRING),
        Type.array(Type.ANY),
        "Parses a chain (root first, leaf last) and verifies it; returns [valid, certificates].",
        (ctx, args) -> parseAndVerify(Operands.string(args, 0), null));
    r.register(
        "crypto.x509.parse_and_verify_certificates_with_options",
        List.of(Type.STRING, Type.object(Type.STRING, Type.ANY)),
        Type.array(Type.ANY),
        "Parses and verifies a chain with DNSName, CurrentTime and KeyUsages options.",
        (ctx, args) ->
            parseAndVerify(Operands.string(args, 0), X509Chains.options(Operands.object(args, 1))));
    r.register(
        "crypto.x509.parse_certificate_request",
        List.of(Type.STRING),
        Type.object(Type.STRING, Type.ANY),
        "Parses a PEM or base64 DER PKCS #10 certificate request into an object.",
        (ctx, args) -> X509Requests.parse(Operands.string(args, 0)));
    r.register(
        "crypto.x509.parse_keypair",
        List.of(Type.STRING, Type.STRING),
        Type.object(Type.STRING, Type.ANY),
        "Parses a certificate and its private key (PEM or base64) into a TLS key pair object.",
        (ctx, args) -> X509KeyPairs.parse(Operands.string(args, 0), Operands.string(args, 1)));
    r.register(
        "crypto.x509.parse_rsa_private_key",
        List.of(Type.STRING),
        Type.object(Type.STRING, Type.ANY),
        "Parses a PEM or base64 PEM private key into a JWK object.",
        (ctx, args) -> parseRsaPrivateKey(Operands.string(args, 0)));
    r.register(
        "crypto.parse_private_keys",
        List.of(Type.STRING),
        Type.array(Type.object(Type.STRING, Type.ANY)),
        "Parses every private key in PEM (or base64 PEM) text into objects.",
        (ctx, args) -> parsePrivateKeys(Operands.string(args, 0)));
  }

  /** Reads certificates from PEM, or from base64 of PEM or concatenated DER. */
  static List<X509Certificates.Parsed> certificates(String input) {
    if (input.startsWith("-----BEGIN")) {
      return fromPem(CryptoBuiltins.utf8(input));
    }
    byte[] decoded = base64(input);
    if (new String(decoded, 0, Math.min(10, decoded.length), StandardCharsets.ISO_8859_1)
        .equals("-----BEGIN")) {
      return fromPem(decoded);
    }
    return X509Certificates.parseAll(decoded);
  }

  private static List<X509Certificates.Parsed> fromPem(byte[] pem) {
    List<byte[]> ders = new ArrayList<>();
    byte[] rest = pem;
    while (rest.length > 0) {
      CryptoPem.Block b = CryptoPem.decode(rest);
      if (b == null) {
        break;
      }
      if (!b.type().equals("CERTIFICATE")) {
        throw BuiltinException.error("PEM block type is '" + b.type() + "', expected CERTIFICATE");
      }
      ders.add(b.bytes());
      rest = b.rest();
    }
    List<X509Certificates.Parsed> out = new ArrayList<>();
    for (byte[] der : ders) {
      out.addAll(X509Certificates.parseAll(der));
    }
    return out;
  }

  static byte[] base64(String input) {
    try {
      return CryptoBase64.decodeStd(CryptoBuiltins.utf8(input));
    } catch (CryptoBase64.Base64Exception e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static Value parseAndVerify(String input, X509Chains.Options opts) {
    Value invalid = ArrayValue.of(BooleanValue.FALSE, ArrayValue.EMPTY);
    List<X509Certificates.Parsed> certs;
    try {
      certs = certificates(input);
    } catch (BuiltinException e) {
      return invalid;
    }
    List<X509Certificates.Parsed> chain =
        X509Chains.verify(certs, opts == null ? X509Chains.Options.defaults() : opts);
    if (chain == null) {
      return invalid;
    }
    return ArrayValue.of(BooleanValue.TRUE, X509Certificates.toValue(chain, opts == null));
  }

  private static Value parseRsaPrivateKey(String input) {
    if (input.isEmpty()) {
      throw BuiltinException.error("input PEM data was empty");
    }
    String pem = input;
    if (!input.startsWith("-----BEGIN")) {
      pem = new String(base64(input), StandardCharsets.UTF_8);
    }
    List<PrivateKey> keys = X509PrivateKeys.fromPem(pem);
    return keys.isEmpty() ? NullValue.NULL : X509PrivateKeys.toJwk(keys.get(0));
  }

  private static Value parsePrivateKeys(String input) {
    if (input.isEmpty()) {
      return NullValue.NULL;
    }
    List<Value> out = new ArrayList<>();
    for (PrivateKey k : X509PrivateKeys.fromPem(input)) {
      out.add(X509PrivateKeys.toGoJson(k));
    }
    return ArrayValue.of(out);
  }
}
