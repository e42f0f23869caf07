package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ObjectValue;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JwtBuiltinsTest {

  static Stream<Arguments> conformanceCalls() {
    return CryptoConformanceCases.load("jwt-cases.json");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("conformanceCalls")
  void jwtBuiltin_conformanceCall_matchesOpa(String note, ObjectValue call) {
    CryptoConformanceCases.check(call);
  }
}
