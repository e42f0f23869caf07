package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Annotations;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.value.Json;
import org.junit.jupiter.api.Test;

class MetadataParserTest {

  private static Module parse(String text) {
    return Parser.parseModule("t.rego", text, ParserOptions.v1());
  }

  @Test
  void parseModule_packageAndRuleMetadata_attachWithDefaultScopes() {
    Module m =
        parse(
            """
            # METADATA
            # description: The Rego test suite
            package testing

            # METADATA
            # title: Testing annotations
            # authors:
            # - The OPA contributors
            # - name: Jane
            #   email: jane@example.com
            # - Joe Bloggs <joe@example.com>
            # related_resources:
            # - https://example.com
            # - ref: https://example.com/x
            #   description: the x
            # custom:
            #   severity: 3
            p := 1
            """);
    assertThat(m.annotations()).hasSize(2);
    Annotations pkg = m.annotations().get(0);
    assertThat(pkg.scope()).isEqualTo("package");
    assertThat(pkg.location()).isEqualTo(new Location("t.rego", 1, 1));
    assertThat(Json.write(pkg.value()))
        .isEqualTo("{\"description\":\"The Rego test suite\",\"scope\":\"package\"}");
    Annotations rule = m.rules().get(0).annotations().get(0);
    assertThat(rule.scope()).isEqualTo("rule");
    assertThat(rule.value())
        .isEqualTo(
            Json.parse(
                """
                {"scope": "rule", "title": "Testing annotations",
                 "authors": [{"name": "The OPA contributors"},
                             {"name": "Jane", "email": "jane@example.com"},
                             {"name": "Joe Bloggs", "email": "joe@example.com"}],
                 "related_resources": [{"ref": "https://example.com"},
                    {"ref": "https://example.com/x", "description": "the x"}],
                 "custom": {"severity": 3}}
                """));
  }

  @Test
  void parseModule_documentScope_staysOnRuleAndModule() {
    Module m =
        parse(
            """
            package testing

            # METADATA
            # scope: document
            # entrypoint: true
            p := 1

            q := 2
            """);
    assertThat(m.rules().get(0).annotations())
        .extracting(Annotations::scope)
        .containsExactly("document");
    assertThat(Json.write(m.rules().get(0).annotations().get(0).value()))
        .contains("\"entrypoint\":true");
    assertThat(m.rules().get(1).annotations()).isEmpty();
    assertThat(m.annotations()).hasSize(1);
  }

  @Test
  void parseModule_badYaml_namesTheLine() {
    assertThatThrownBy(
            () -> parse("package p\n\n# METADATA\n# title: a\n# description: [unclosed\np := 1\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e -> {
              assertThat(e.code()).isEqualTo("rego_parse_error");
              assertThat(e.errors().get(0).message()).startsWith("yaml: line ");
              assertThat(e.errors().get(0).location().line()).isBetween(4, 6);
            });
  }

  @Test
  void parseModule_ruleScopeOnPackage_isRefused() {
    assertThatThrownBy(() -> parse("# METADATA\n# scope: rule\npackage p\n"))
        .isInstanceOfSatisfying(
            RegoException.class,
            e ->
                assertThat(e.errors().get(0).message())
                    .isEqualTo("annotation scope 'rule' must be applied to rule (have package)"));
  }

  @Test
  void parseModule_ordinaryComments_areNotMetadata() {
    Module m = parse("package p\n# just a note\n# title: not yaml metadata\np := 1\n");
    assertThat(m.annotations()).isEmpty();
  }
}
