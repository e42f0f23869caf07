package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Replays the X.509 conformance cases: each case's query reads a few fields of the result. */
class X509BuiltinsTest {

  static Stream<Arguments> conformanceCalls() {
    return CryptoConformanceCases.load("x509-cases.json");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conformanceCalls")
  void x509Builtin_conformanceCall_matchesOpa(String note, ObjectValue c) {
    String kind = ((StringValue) c.get("kind")).value();
    Value[] args = ((ArrayValue) c.get("args")).elements().toArray(Value[]::new);
    String name =
        switch (kind) {
          case "certs", "uris" -> "crypto.x509.parse_certificates";
          case "csr" -> "crypto.x509.parse_certificate_request";
          case "rsa" -> "crypto.x509.parse_rsa_private_key";
          case "verify" -> "crypto.x509.parse_and_verify_certificates";
          default -> "crypto.x509.parse_keypair";
        };
    Builtin b = BuiltinRegistry.standard().get(name);
    if (c.get("error") instanceof StringValue want) {
      assertThatThrownBy(() -> b.invoke(SimpleBuiltinContext.system(), args))
          .isInstanceOf(BuiltinException.class)
          .hasMessageContaining(want.value());
      return;
    }
    Value result = b.invoke(SimpleBuiltinContext.system(), args);
    assertThat(observed(kind, result)).isEqualTo(c.get("want"));
  }

  /** Reads from the result what the case's query reads. */
  private static Value observed(String kind, Value result) {
    return switch (kind) {
      case "certs" -> field(result, "Subject", "CommonName");
      case "uris" -> ((ObjectValue) ((ArrayValue) result).get(0)).get("URIStrings");
      case "csr" -> ((ObjectValue) ((ObjectValue) result).get("Subject")).get("CommonName");
      case "keypair" -> ((ArrayValue) ((ObjectValue) result).get("Certificate")).get(0);
      case "verify" -> {
        ArrayValue pair = (ArrayValue) result;
        List<Value> certs = new ArrayList<>();
        for (Value cert : ((ArrayValue) pair.get(1)).elements()) {
          ObjectValue o = (ObjectValue) cert;
          certs.add(
              ObjectValue.of(
                  StringValue.of("CN"),
                  ((ObjectValue) o.get("Subject")).get("CommonName"),
                  StringValue.of("DNS"),
                  o.get("DNSNames"),
                  StringValue.of("URI"),
                  o.get("URIStrings")));
        }
        yield ObjectValue.of(
            StringValue.of("certs"), ArrayValue.of(certs), StringValue.of("valid"), pair.get(0));
      }
      default -> result;
    };
  }

  private static Value field(Value certs, String outer, String inner) {
    List<Value> out = new ArrayList<>();
    for (Value c : ((ArrayValue) certs).elements()) {
      Value o = ((ObjectValue) c).get(outer);
      out.add(o instanceof ObjectValue ov ? ov.get(inner) : NullValue.NULL);
    }
    return ArrayValue.of(out);
  }

  /** The base_case chain (root, intermediate, leaf for notarealsite.opa.localhost, 2021-2031). */
  private static Value baseChain() {
    return CryptoConformanceCases.load("x509-cases.json")
        .map(a -> (ObjectValue) a.get()[1])
        .filter(
            o ->
                o.get("note")
                    .equals(StringValue.of("cryptox509parseandverifycertificates/base_case")))
        .map(o -> ((ArrayValue) o.get("args")).get(0))
        .findFirst()
        .orElseThrow();
  }

  private static Value verifyWithOptions(String optionsJson) {
    return BuiltinRegistry.standard()
        .get("crypto.x509.parse_and_verify_certificates_with_options")
        .invoke(SimpleBuiltinContext.system(), new Value[] {baseChain(), Json.parse(optionsJson)});
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"DNSName\": \"notarealsite.opa.localhost\"}|true",
        "{\"DNSName\": \"other.opa.localhost\"}|false",
        "{\"CurrentTime\": 1700000000000000000}|true",
        "{\"CurrentTime\": 2200000000000000000}|false",
        "{\"CurrentTime\": 1500000000000000000}|false",
        "{\"KeyUsages\": [\"KeyUsageClientAuth\"]}|true",
        "{\"KeyUsages\": [\"KeyUsageCodeSigning\"]}|false",
        "{\"KeyUsages\": [\"KeyUsageAny\"]}|true",
      })
  void verifyWithOptions_option_decidesValidity(String options, boolean valid) {
    ArrayValue result = (ArrayValue) verifyWithOptions(options);
    assertThat(result.get(0)).isEqualTo(BooleanValue.of(valid));
    assertThat(((ArrayValue) result.get(1)).size()).isEqualTo(valid ? 3 : 0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"KeyUsages\": [\"Foo\", \"Bar\"]}|invalid entries for 'KeyUsages' found: [Foo Bar]",
        "{\"DNSName\": 1}|'DNSName' should be a string",
        "{\"CurrentTime\": \"now\"}|'CurrentTime' should be a number",
        "{\"Nope\": 1}|invalid key option",
      })
  void verifyWithOptions_badOption_failsWithOpaMessage(String options, String message) {
    assertThatThrownBy(() -> verifyWithOptions(options))
        .isInstanceOf(BuiltinException.class)
        .hasMessage(message);
  }

  /** PEM of a root valid 2020–2025 and a leaf it signed valid 2020–2030, root first. */
  private static String chainWithRootExpiringFirst() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(256);
    KeyPair rootKey = g.generateKeyPair();
    KeyPair leafKey = g.generateKeyPair();
    X500Name rootName = new X500Name("CN=root");
    X509CertificateHolder root =
        new JcaX509v3CertificateBuilder(
                rootName,
                BigInteger.ONE,
                Date.from(Instant.parse("2020-01-01T00:00:00Z")),
                Date.from(Instant.parse("2025-01-01T00:00:00Z")),
                rootName,
                rootKey.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
            .addExtension(
                Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey.getPrivate()));
    X509CertificateHolder leaf =
        new JcaX509v3CertificateBuilder(
                rootName,
                BigInteger.TWO,
                Date.from(Instant.parse("2020-01-01T00:00:00Z")),
                Date.from(Instant.parse("2030-01-01T00:00:00Z")),
                new X500Name("CN=leaf"),
                leafKey.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(rootKey.getPrivate()));
    StringBuilder pem = new StringBuilder();
    for (X509CertificateHolder c : List.of(root, leaf)) {
      pem.append("-----BEGIN CERTIFICATE-----\n")
          .append(Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded()))
          .append("\n-----END CERTIFICATE-----\n");
    }
    return pem.toString();
  }

  @Test
  void verifyWithOptions_rootExpiredBeforeTheLeaf_invalidOnceTheRootHasExpired_asGoHasIt()
      throws Exception {
    String chain = chainWithRootExpiringFirst();
    var verify =
        BuiltinRegistry.standard().get("crypto.x509.parse_and_verify_certificates_with_options");

    ArrayValue before =
        (ArrayValue)
            verify.invoke(
                SimpleBuiltinContext.system(),
                new Value[] {
                  StringValue.of(chain), Json.parse("{\"CurrentTime\": 1700000000000000000}")
                });
    ArrayValue after =
        (ArrayValue)
            verify.invoke(
                SimpleBuiltinContext.system(),
                new Value[] {
                  StringValue.of(chain), Json.parse("{\"CurrentTime\": 1767225600000000000}")
                });

    assertThat(before.get(0)).isEqualTo(BooleanValue.of(true));
    assertThat(after.get(0)).isEqualTo(BooleanValue.of(false));
    assertThat(((ArrayValue) after.get(1)).size()).isZero();
  }

  @Test
  void verifyWithOptions_verifiedChain_hasNoUriStrings() {
    ArrayValue certs = (ArrayValue) ((ArrayValue) verifyWithOptions("{}")).get(1);
    ObjectValue leaf = (ObjectValue) certs.get(0);
    assertThat(leaf.get("URIStrings")).isNull();
    assertThat(leaf.get("DNSNames"))
        .isEqualTo(ArrayValue.of(StringValue.of("notarealsite.opa.localhost")));
  }

  @Test
  void parseCertificates_leaf_hasGoFieldShapes() {
    ArrayValue certs =
        (ArrayValue)
            BuiltinRegistry.standard()
                .get("crypto.x509.parse_certificates")
                .invoke(SimpleBuiltinContext.system(), new Value[] {baseChain()});
    ObjectValue root = (ObjectValue) certs.get(0);
    assertThat(root.get("IsCA")).isEqualTo(BooleanValue.TRUE);
    assertThat(root.get("MaxPathLen")).isEqualTo(NumberValue.of(1));
    assertThat(root.get("PublicKeyAlgorithm")).isEqualTo(NumberValue.of(3));
    assertThat(root.get("SignatureAlgorithm")).isEqualTo(NumberValue.of(10));
    assertThat(root.get("KeyUsage")).isEqualTo(NumberValue.of(96));
    assertThat(root.get("NotBefore")).isEqualTo(StringValue.of("2021-07-01T17:41:53Z"));
    assertThat(((ObjectValue) root.get("Subject")).get("Organization"))
        .isEqualTo(ArrayValue.of(StringValue.of("OPA Test")));
    ObjectValue leaf = (ObjectValue) certs.get(2);
    assertThat(leaf.get("ExtKeyUsage"))
        .isEqualTo(ArrayValue.of(NumberValue.of(1), NumberValue.of(2)));
    assertThat(leaf.get("IsCA")).isEqualTo(BooleanValue.FALSE);
    assertThat(leaf.get("BasicConstraintsValid")).isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void parsePrivateKeys_generatedEcAndRsa_returnsGoShapedKeys() throws Exception {
    var ec = java.security.KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    var pair = ec.generateKeyPair();
    var rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    var rsaPair = rsa.generateKeyPair();
    String pem =
        CryptoPem.encode("PRIVATE KEY", pair.getPrivate().getEncoded())
            + CryptoPem.encode("CERTIFICATE", new byte[] {1, 2, 3})
            + CryptoPem.encode("PRIVATE KEY", rsaPair.getPrivate().getEncoded());
    ArrayValue keys =
        (ArrayValue)
            BuiltinRegistry.standard()
                .get("crypto.parse_private_keys")
                .invoke(SimpleBuiltinContext.system(), new Value[] {StringValue.of(pem)});
    assertThat(keys.size()).isEqualTo(2);
    var w = ((java.security.interfaces.ECPublicKey) pair.getPublic()).getW();
    assertThat(((ObjectValue) keys.get(0)).get("X")).isEqualTo(NumberValue.of(w.getAffineX()));
    assertThat(((ObjectValue) keys.get(0)).get("Y")).isEqualTo(NumberValue.of(w.getAffineY()));
    var n = ((java.security.interfaces.RSAPublicKey) rsaPair.getPublic()).getModulus();
    assertThat(((ObjectValue) ((ObjectValue) keys.get(1)).get("PublicKey")).get("N"))
        .isEqualTo(NumberValue.of(n));
  }

  @Test
  void parsePrivateKeys_emptyString_isNull() {
    assertThat(
            BuiltinRegistry.standard()
                .get("crypto.parse_private_keys")
                .invoke(SimpleBuiltinContext.system(), new Value[] {StringValue.EMPTY}))
        .isEqualTo(NullValue.NULL);
  }
}
