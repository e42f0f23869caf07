package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builtins that read a set operand's elements or an object operand's keys in sorted order, as OPA
 * does, charge that sort to the time budget. Regression: {@code net.cidr_contains_matches}, the
 * constraints of {@code io.jwt.decode_verify}, {@code json.match_schema} (an object's keys, a set's
 * elements), a set of paths given to {@code json.filter}, {@code net.cidr_merge} and the patterns
 * of {@code strings.replace_n} were sorted without charging, so an operand of many members ran n
 * log n comparisons past the budget.
 *
 * <p>Counted as {@link OutputSortBudgetTest} counts, with a {@link SortChargeProbe}.
 */
class OperandSortBudgetTest {

  /** Addresses of 10.0.0.0/8, in order of {@code i}. */
  private static String address(int i) {
    return "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x := net.cidr_contains_matches(\"10.0.0.0/31\", input.v)            | set    | 1",
        "x := net.cidr_contains_matches(\"10.0.0.0/31\", input.v)            | object | 1",
        "x := io.jwt.decode_verify(\"a.b.c\", input.v)                        | object | 0",
        "x := json.match_schema(input.v, {\"type\": \"object\"})              | object | 1",
        "x := json.match_schema({\"a\": input.v}, {\"properties\": {\"a\": {}}}) | set | 1",
        "x := json.filter({\"a\": 1}, input.v)                              | set    | 1",
        "x := net.cidr_merge(input.v)                                       | set    | 1",
        "x := strings.replace_n(input.v, \"abc\")                           | object | 1",
      })
  void eval_unsortedOperand_stoppedByTheSortsCharge(String query, String kind, int rows) {
    SortChargeProbe probe = SortChargeProbe.run(query, kind, OperandSortBudgetTest::address);

    assertThat(probe.onSorted().rows()).as("rows of %s on a sorted operand", query).hasSize(rows);
    assertThat(probe.onFresh()).as("the sort in %s was not charged", query).isNotNull();
    assertThat(probe.onFresh().code()).isEqualTo("eval_cancel_error");
    assertThat(probe.onFresh().getMessage()).contains("timeout exceeded");
  }
}
