package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builtins that write a set or an object out as text sort its members or keys first, and charge
 * that sort to the time budget as {@code sort} and iteration do. Regression: {@code json.marshal},
 * {@code yaml.marshal}, {@code sprintf}, templates and {@code urlquery.encode_object} sorted
 * without charging, so a query that wrote out a large set ran n log n comparisons past its budget.
 *
 * <p>The budget is counted in readings of a fake clock, one every {@link
 * dev.vigil.rego.builtins.TimeBudget#CHECK_EVERY} units charged ({@link SortChargeProbe}).
 */
class OutputSortBudgetTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x := json.marshal(input.v)                                  | set",
        "x := json.marshal(input.v)                                  | object",
        "x := json.marshal_with_options(input.v, {\"indent\": \" \"}) | set",
        "x := yaml.marshal(input.v)                                  | set",
        "x := yaml.marshal(input.v)                                  | object",
        "x := sprintf(\"%v\", [input.v])                              | set",
        "x := sprintf(\"%v\", [input.v])                              | object",
        "x := strings.render_template(\"{{.v}}\", input)              | set",
        "x := urlquery.encode_object({\"q\": input.v})                | set",
        "x := urlquery.encode_object(input.v)                        | object",
        "x := $\"{input.v}\"                                          | set",
        "x := $\"{input.v}\"                                          | object",
        "print(input.v)                                              | set",
      })
  void eval_writerOfAnUnsortedCollection_stoppedByTheSortsCharge(String query, String kind) {
    SortChargeProbe probe = SortChargeProbe.run(query, kind, i -> "m" + i);

    assertThat(probe.onSorted().rows()).hasSize(1);
    assertThat(probe.onFresh()).as("the sort in %s was not charged", query).isNotNull();
    assertThat(probe.onFresh().code()).isEqualTo("eval_cancel_error");
    assertThat(probe.onFresh().getMessage()).contains("timeout exceeded");
  }
}
