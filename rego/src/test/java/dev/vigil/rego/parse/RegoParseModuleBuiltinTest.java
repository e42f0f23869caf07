package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.builtins.Builtin;
import dev.vigil.rego.builtins.BuiltinException;
import dev.vigil.rego.builtins.BuiltinRegistry;
import dev.vigil.rego.builtins.SimpleBuiltinContext;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class RegoParseModuleBuiltinTest {

  private static final Builtin PARSE = BuiltinRegistry.standard().get("rego.parse_module");

  private static Value call(String file, String source) {
    return PARSE.invoke(
        SimpleBuiltinContext.system(), new Value[] {StringValue.of(file), StringValue.of(source)});
  }

  @Test
  void parseModule_validSource_returnsPackagePath() {
    ObjectValue m = (ObjectValue) call("x.rego", "package foo.bar\n\np if { true }\n");
    ArrayValue path = (ArrayValue) ((ObjectValue) m.get("package")).get("path");
    assertThat(((ObjectValue) path.get(1)).get("value")).isEqualTo(StringValue.of("foo"));
  }

  @Test
  void parseModule_badSource_isBuiltinErrorWithParseMessage() {
    assertThatThrownBy(() -> call("x.rego", "package foo."))
        .isInstanceOfSatisfying(
            BuiltinException.class,
            e -> {
              assertThat(e.code()).isEqualTo("eval_builtin_error");
              assertThat(e.getMessage())
                  .contains("x.rego:1: rego_parse_error: unexpected eof token: expected ident");
            });
  }
}
