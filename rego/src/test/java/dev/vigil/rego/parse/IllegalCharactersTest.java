package dev.vigil.rego.parse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import org.junit.jupiter.api.Test;

/**
 * Characters OPA's scanner refuses wherever they stand: a NUL, and a byte-order mark anywhere but
 * at the very start. Vigil accepted both inside string literals (and a BOM in a comment), building
 * a string OPA never would; each is now a {@code rego_parse_error} at the character's row and
 * column.
 */
class IllegalCharactersTest {

  private static RegoError error(String text) {
    try {
      Parser.parseModule("t.rego", text, ParserOptions.v1());
    } catch (RegoException e) {
      assertThat(e.code()).isEqualTo("rego_parse_error");
      return e.errors().get(0);
    }
    throw new AssertionError("expected a parse error for " + text.replace("\0", "\\0"));
  }

  @Test
  void nulInAStringLiteral_isRefusedAtItsPlace() {
    RegoError e = error("package p\n\nx := \"a\0b\"\n");

    assertThat(e.message()).isEqualTo("illegal null character");
    assertThat(e.location()).isEqualTo(new Location("t.rego", 3, 8));
  }

  @Test
  void nulInARawStringOrATemplate_isRefused() {
    RegoError raw = error("package p\n\nx := `line\nmore\0`\n");
    RegoError template = error("package p\n\nx := $\"a\0{1}\"\n");

    assertThat(raw.message()).isEqualTo("illegal null character");
    assertThat(raw.location()).isEqualTo(new Location("t.rego", 4, 5));
    assertThat(template.message()).isEqualTo("illegal null character");
    assertThat(template.location()).isEqualTo(new Location("t.rego", 3, 9));
  }

  @Test
  void byteOrderMarkPastTheStart_inAStringACommentOrBetweenRules_isRefused() {
    RegoError inString = error("package p\n\nx := \"a\uFEFFb\"\n");
    RegoError inComment = error("package p\n\n# note \uFEFF\nx := 1\n");
    RegoError between = error("package p\n\n\uFEFFx := 1\n");

    assertThat(inString.message()).isEqualTo("illegal byte-order mark");
    assertThat(inString.location()).isEqualTo(new Location("t.rego", 3, 8));
    assertThat(inComment.message()).isEqualTo("illegal byte-order mark");
    assertThat(inComment.location()).isEqualTo(new Location("t.rego", 3, 8));
    assertThat(between.message()).isEqualTo("illegal byte-order mark");
    assertThat(between.location()).isEqualTo(new Location("t.rego", 3, 1));
  }

  @Test
  void byteOrderMarkAtTheStart_isSkipped() {
    Module m = Parser.parseModule("t.rego", "\uFEFFpackage p\n\nx := 1\n", ParserOptions.v1());

    assertThat(m.rules()).hasSize(1);
  }
}
