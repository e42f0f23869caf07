package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.builtins.SizeLimit;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Builtins whose result can be the product of their operands' sizes check the query's size limit
 * before they allocate, or as their text grows. Regression: replacing every position of a string of
 * a hundred thousand characters by another such string asked for ten gigabytes, and so did {@code
 * sprintf} of a format repeating an argument, {@code concat} with a long delimiter, a template
 * repeating a value, a JSON Schema repeating a long enum in the error of each item it refuses: each
 * query below ended in an OutOfMemoryError that could strike any thread of the process, or wrote
 * text many times the limit before anything looked at it.
 */
class BuiltinOutputLimitsTest {

  private static final String POLICY =
      """
      package t
      import rego.v1

      big := concat("", ["a" | some i in numbers.range(1, 100000)])

      many := ["a" | some i in numbers.range(1, 100000)]

      repeat := concat("", ["%[1]s" | some i in numbers.range(1, 100000)])

      padded := concat("", ["%[1]999999d" | some i in numbers.range(1, 100000)])

      tenth := concat("", [data.t.big | some i in numbers.range(1, 100)])

      ctl := concat("", ["\\u0001" | some i in numbers.range(1, 100000)])

      control := concat("", [data.t.ctl | some i in numbers.range(1, 100)])

      nets := {k: "10.0.0.0/8" |
        some i in numbers.range(1, 100)
        k := sprintf("%d%s", [i, big])
      }
      """;

  private static Policy policy() {
    return Policy.compile(List.of(new Source("t.rego", POLICY)), null, CompileOptions.defaults());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "replace(data.t.big, \"\", data.t.big) | replace",
        "strings.replace_n({\"\": data.t.big}, data.t.big) | strings.replace_n",
        "regex.replace(data.t.big, \"\", data.t.big) | regex.replace",
        "json.marshal_with_options(numbers.range(1, 100000), {\"prefix\": data.t.big})"
            + " | json.marshal_with_options",
        "json.marshal_with_options([[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]], {\"indent\": data.t.big})"
            + " | json.marshal_with_options",
        "sprintf(data.t.repeat, [data.t.big]) | sprintf",
        "sprintf(data.t.padded, [1]) | sprintf",
        "sprintf(\"%v\", [[data.t.control]]) | sprintf",
        "concat(data.t.big, data.t.many) | concat",
        "json.match_schema({\"a\": data.t.many},"
            + " {\"properties\": {\"a\": {\"items\": {\"enum\": [data.t.big]}}}})"
            + " | json.match_schema",
        "strings.render_template(\"{{range .xs}}{{$.big}}{{end}}\","
            + " {\"xs\": numbers.range(1, 1000), \"big\": data.t.big})"
            + " | strings.render_template",
        "strings.render_template(\"{{printf $.f $.big}}\","
            + " {\"f\": data.t.repeat, \"big\": data.t.big})"
            + " | strings.render_template"
      })
  void eval_resultTheProductOfItsOperands_refusedBeforeItIsBuilt(String query, String builtin) {
    RegoException e = cancelled(query, null, EvalOptions.defaults());

    assertThat(e.getMessage()).contains("value too large: the result of " + builtin);
  }

  /**
   * Evaluates {@code query} over {@code input}, within thirty seconds, and returns the {@code
   * eval_cancel_error} that ended it.
   */
  private static RegoException cancelled(String query, Value input, EvalOptions options) {
    Policy p = policy();

    RegoException e =
        assertTimeoutPreemptively(
            Duration.ofSeconds(30),
            () ->
                catchThrowableOfType(
                    RegoException.class, () -> p.prepare(query).eval(input, options)));

    assertThat(e).as("%s answered instead of failing", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    return e;
  }

  /**
   * Regression: {@code print} and template strings wrote their whole line before anything checked
   * its size, so two values near the limit made a line twice the limit, and more values more.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "print(data.t.tenth, data.t.tenth) | the line print writes",
        "print([data.t.control]) | the line print writes",
        "x := $\"{data.t.tenth}{data.t.tenth}\" | the template string",
        "x := $\"{[data.t.control]}\" | the template string"
      })
  void eval_lineOverTheLimit_refusedAsItIsWritten(String query, String what) {
    Policy p = policy();
    List<String> printed = new java.util.ArrayList<>();

    RegoException e =
        catchThrowableOfType(
            RegoException.class,
            () -> p.prepare(query).eval(null, EvalOptions.defaults(), null, printed::add));

    assertThat(e).as("%s answered instead of failing", query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("value too large: " + what);
    assertThat(printed).isEmpty();
  }

  @Test
  void eval_formattingWithinTheLimit_answers() {
    Policy p = policy();
    List<String> printed = new java.util.ArrayList<>();

    QueryResult r =
        p.prepare("x := count(sprintf(\"%s-%v\", [data.t.tenth, [data.t.big]])); print(x, [1])")
            .eval(null, EvalOptions.defaults(), null, printed::add);
    QueryResult joined =
        p.prepare("x := count(concat(\"--\", data.t.many))").eval(null, EvalOptions.defaults());

    assertThat(r.rows().get(0).bindings().get("x").toString()).isEqualTo("10100005");
    assertThat(printed).containsExactly("10100005 [1]");
    assertThat(joined.rows().get(0).bindings().get("x").toString()).isEqualTo("299998");
  }

  @Test
  void eval_replacementsWithinTheLimit_answer() {
    Policy p = policy();

    QueryResult r =
        p.prepare("x := count(replace(data.t.big, \"a\", \"bc\"))")
            .eval(null, EvalOptions.defaults());
    QueryResult empty = p.prepare("x := replace(\"abc\", \"\", \"-\")").eval(null, null);

    assertThat(r.rows().get(0).bindings().get("x").toString()).isEqualTo("200000");
    assertThat(empty.rows().get(0).bindings().get("x")).isEqualTo(StringValue.of("-a-b-c-"));
  }

  /**
   * YAML text whose aliases of aliases make a value of 2^levels arrays of one number, and, when
   * {@code asKey}, a mapping key of that value, which YAML reads as the value's text.
   */
  private static String aliasChain(int levels, boolean asKey) {
    StringBuilder yaml = new StringBuilder("a0: &a0 [1]\n");
    for (int i = 1; i <= levels; i++) {
      yaml.append("a").append(i).append(": &a").append(i);
      yaml.append(" [*a").append(i - 1).append(", *a").append(i - 1).append("]\n");
    }
    if (asKey) {
      yaml.append("? *a").append(levels).append("\n: 1\n");
    }
    return yaml.toString();
  }

  /**
   * For tests of the size limit alone, which write text up to it: no deadline on a busy machine.
   */
  private static final EvalOptions NO_DEADLINE = EvalOptions.defaults().withTimeout(null);

  private static long reportedSize(RegoException e) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("would be (\\d+) ").matcher(e.getMessage());
    assertThat(m.find()).as(e.getMessage()).isTrue();
    return Long.parseLong(m.group(1));
  }

  /**
   * Regression: split made every part before the result's size was checked, so splitting ten
   * million characters into code points made ten million strings, twenty million values and
   * characters, before the query was refused. The parts are counted as they are made and the split
   * stops within a thousand parts of the limit.
   */
  @Test
  void eval_splitIntoPartsPastTheLimit_refusedAsThePartsAreMade() {
    RegoException e = cancelled("x := split(data.t.tenth, \"\")", null, NO_DEADLINE);

    assertThat(e.getMessage()).contains("value too large: the result of split would be");
    // The limit is the floor plus four for the empty data document; the parts, a string of one
    // character each (two values and characters), are counted every 1024.
    long limit = SizeLimit.FLOOR + 4;
    assertThat(reportedSize(e)).isBetween(limit + 1, limit + 2 * 1024);
  }

  /**
   * Regression: yaml.unmarshal copied an aliased node at each alias, so 48 aliases (fewer than the
   * 50 the parser allows) of aliases made 2^24 arrays, and the query ran out of memory or time
   * copying them. The aliased node is made into a value once and shared, and the query's size limit
   * refuses the shared value at once.
   */
  @Test
  void eval_yamlAliasesOfAliases_refusedWithoutCopyingThem() {
    StringValue yaml = StringValue.of(aliasChain(24, false));

    RegoException e = cancelled("x := yaml.unmarshal(input)", yaml, EvalOptions.defaults());

    assertThat(e.getMessage()).contains("value too large: the result of yaml.unmarshal");
  }

  /**
   * Regression: a mapping key that aliases a large node is read as the node's text, which was
   * written out in full however large, here tens of millions of characters, before anything looked
   * at its size. It is written within the query's size limit and stopped where it passes it.
   */
  @Test
  void eval_yamlKeyAliasingALargeNode_refusedAsItsTextIsWritten() {
    StringValue yaml = StringValue.of(aliasChain(23, true));

    RegoException e = cancelled("x := yaml.unmarshal(input)", yaml, NO_DEADLINE);

    assertThat(e.getMessage()).contains("value too large: the result of yaml.unmarshal would be");
    // The limit: the floor plus four times the input (a string, one more than its length) and the
    // empty data document (one value); the text is checked after each value it writes.
    long limit = SizeLimit.FLOOR + 4L * (1 + yaml.value().length()) + 4;
    assertThat(reportedSize(e)).isBetween(limit + 1, limit + 16);
  }

  /**
   * Regression: net.cidr_contains_matches made every matching pair of its operands' elements before
   * the result's size was checked; a hundred blocks, each containing every other, under keys of a
   * hundred thousand characters, made ten thousand pairs of two billion characters. The pairs are
   * counted against the limit as they are found.
   */
  @Test
  void eval_cidrMatchesPastTheLimit_refusedAsThePairsAreFound() {
    String query = "x := net.cidr_contains_matches(data.t.nets, data.t.nets)";

    RegoException e = cancelled(query, null, NO_DEADLINE);

    assertThat(e.getMessage())
        .contains("value too large: the result of net.cidr_contains_matches would be");
    // The limit is the floor plus four for the empty data document; the size stops within a pair.
    long limit = SizeLimit.FLOOR + 4;
    long pair = 3 + 2 * (100_000 + 3);
    assertThat(reportedSize(e)).isBetween(limit + 1, limit + pair);
  }
}
