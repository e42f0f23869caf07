package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
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
}
