package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.Value;
import org.junit.jupiter.api.Test;

class AstJsonTest {

  @Test
  void module_packageImportsAndRule_matchOpaJsonShape() {
    Value v =
        AstJson.module(
            Parser.parseModule(
                "x.rego",
                "package foo.bar\n\nimport rego.v1\nimport data.a\n\np if { a = true }\n",
                ParserOptions.v1()));
    Value want =
        Json.parse(
            """
            {"package": {"path": [{"type": "var", "value": "data"},
                                  {"type": "string", "value": "foo"},
                                  {"type": "string", "value": "bar"}]},
             "imports": [
               {"path": {"type": "ref", "value": [{"type": "var", "value": "rego"},
                                                  {"type": "string", "value": "v1"}]}},
               {"path": {"type": "ref", "value": [{"type": "var", "value": "data"},
                                                  {"type": "string", "value": "a"}]}}],
             "rules": [{
               "head": {"name": "p", "ref": [{"type": "var", "value": "p"}],
                        "value": {"type": "boolean", "value": true}},
               "body": [{"index": 0, "terms": [
                 {"type": "ref", "value": [{"type": "var", "value": "eq"}]},
                 {"type": "var", "value": "a"},
                 {"type": "boolean", "value": true}]}]}]}
            """);
    assertThat(v).isEqualTo(want);
  }
}
