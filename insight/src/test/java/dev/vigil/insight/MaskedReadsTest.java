package dev.vigil.insight;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MaskedReadsTest {

  private static final String AUTH = "/input/request/headers/authorization";

  private static String readOf(String rego, String field) {
    return new MaskedReads(Map.of("p.rego", rego)).readOf(field);
  }

  @Test
  void readOf_siblingField_isNoRead() {
    assertThat(readOf("package p\nallow if input.request.method == \"GET\"\n", AUTH)).isNull();
  }

  @Test
  void readOf_theFieldItself_isARead() {
    assertThat(readOf("package p\n\nallow if input.request.headers.authorization\n", AUTH))
        .isEqualTo("p.rego:3");
  }

  @Test
  void readOf_bracketedStringSteps_areFollowed() {
    assertThat(readOf("package p\nallow if input[\"request\"].headers[\"authorization\"]\n", AUTH))
        .isEqualTo("p.rego:2");
    assertThat(readOf("package p\nallow if input[\"request\"][\"method\"] == \"GET\"\n", AUTH))
        .isNull();
  }

  @Test
  void readOf_variableStep_coversEveryFieldBelow() {
    assertThat(readOf("package p\nallow if input.request.headers[h] == \"x\"\n", AUTH))
        .isEqualTo("p.rego:2");
  }

  @Test
  void readOf_wholeInputOrAnImport_isARead() {
    assertThat(readOf("package p\nallow if count(input) > 0\n", AUTH)).isEqualTo("p.rego:2");
    assertThat(readOf("package p\nimport input.request as r\nallow if r.method\n", AUTH))
        .isEqualTo("p.rego:2");
  }

  @Test
  void readOf_commentsAndStrings_areNoRead() {
    String rego =
        "package p\n# reads input.request.headers.authorization? no\n"
            + "msg := \"input.request.headers # not a comment\"\n"
            + "raw := `input\ninput.request`\n"
            + "allow if input.request.method == \"GET\"\n";

    assertThat(readOf(rego, AUTH)).isNull();
  }

  @Test
  void readOf_hashInAString_doesNotHideTheReadAfterIt() {
    assertThat(readOf("package p\nx := concat(\"#\", [input.request.headers.cookie])\n", AUTH))
        .isNull();
    assertThat(readOf("package p\nx := concat(\"#\", [input.request.headers])\n", AUTH))
        .isEqualTo("p.rego:2");
  }

  @Test
  void readOf_dottedFieldName_asTheLogListsIt() {
    assertThat(readOf("package p\nallow if input.user.ssn\n", "input.user.ssn"))
        .isEqualTo("p.rego:2");
  }

  @Test
  void readOf_lineCountsAcrossRawStrings() {
    assertThat(readOf("package p\nx := `a\nb`\nallow if input.request\n", AUTH))
        .isEqualTo("p.rego:4");
  }
}
