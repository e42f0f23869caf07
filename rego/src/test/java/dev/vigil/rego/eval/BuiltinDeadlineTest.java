package dev.vigil.rego.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A builtin whose work grows faster than its operands, or that walks large values, checks the
 * query's deadline while it runs, so that one call cannot run far past the budget. Regression: the
 * budget was charged for a builtin's operands before the call and its result after it, so a match,
 * sort, parse, graph search or comparison over large values ran to its end however long it took.
 *
 * <p>No test here waits. The budget runs on a fake clock that stands still, except when it is read
 * from inside the named code, where it is an hour past the deadline: a query then ends with the
 * timeout exactly when that code checks the deadline while it runs, and answers when it does not.
 */
class BuiltinDeadlineTest {

  static final int N = 20_000;

  /**
   * A clock at 0, read an hour later from inside a class whose name starts with {@code code};
   * {@code inside} records that it was.
   */
  private static LongSupplier pastTheDeadlineInside(String code, AtomicBoolean inside) {
    long hour = Duration.ofHours(1).toNanos();
    StackWalker walker = StackWalker.getInstance();
    return () -> {
      boolean in = walker.walk(s -> s.anyMatch(f -> f.getClassName().startsWith(code)));
      if (in) {
        inside.set(true);
      }
      return in ? hour : 0;
    };
  }

  /**
   * Base data: text, a string of 10 N characters; json, the JSON text of an array of N numbers
   * (which is YAML too); deep and deep2, equal arrays of N small arrays; chain, a graph of N nodes
   * in a line; words, N strings; objects, N / 10 objects of one key each; ops, N / 10 JSON Patch
   * operations adding a key each; addresses, N / 10 IP addresses, and blocks, a block of each;
   * fields, a GraphQL query asking for one field 700 times, and schema, its schema; jwks, a JSON
   * Web Key Set of N / 10 secret keys, and jwt_header and jwt_key, to sign a token with a key not
   * in it.
   */
  private static Value data() {
    Map<Value, Value> root = new HashMap<>();
    root.put(StringValue.of("text"), StringValue.of("ab".repeat(5 * N)));
    List<Value> numbers = new ArrayList<>();
    List<Value> deep = new ArrayList<>();
    List<Value> deep2 = new ArrayList<>();
    Map<Value, Value> chain = new HashMap<>();
    List<Value> words = new ArrayList<>();
    List<Value> objects = new ArrayList<>();
    List<Value> ops = new ArrayList<>();
    List<Value> addresses = new ArrayList<>();
    List<Value> blocks = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      words.add(StringValue.of("w" + i));
      if (i % 10 == 0) {
        objects.add(ObjectValue.of(Map.of(StringValue.of("k" + i), NumberValue.of(i))));
        ops.add(
            ObjectValue.of(
                Map.of(
                    StringValue.of("op"), StringValue.of("add"),
                    StringValue.of("path"), StringValue.of("/k" + i),
                    StringValue.of("value"), NumberValue.of(i))));
        addresses.add(StringValue.of("10.0." + (i >> 8) + "." + (i & 255)));
        blocks.add(StringValue.of("10.0." + (i >> 8) + "." + (i & 255) + "/32"));
      }
      numbers.add(NumberValue.of(i));
      deep.add(ArrayValue.of(NumberValue.of(N - i), StringValue.of("x")));
      deep2.add(ArrayValue.of(NumberValue.of(N - i), StringValue.of("x")));
      chain.put(StringValue.of("n" + i), ArrayValue.of(StringValue.of("n" + (i + 1))));
    }
    root.put(StringValue.of("json"), StringValue.of(ArrayValue.of(numbers).toString()));
    root.put(StringValue.of("deep"), ArrayValue.of(deep));
    root.put(StringValue.of("deep2"), ArrayValue.of(deep2));
    root.put(StringValue.of("chain"), ObjectValue.wrap(chain));
    root.put(StringValue.of("words"), ArrayValue.of(words));
    root.put(StringValue.of("objects"), ArrayValue.of(objects));
    root.put(StringValue.of("ops"), ArrayValue.of(ops));
    root.put(StringValue.of("addresses"), ArrayValue.of(addresses));
    root.put(StringValue.of("blocks"), ArrayValue.of(blocks));
    root.put(StringValue.of("fields"), StringValue.of("{ " + "a ".repeat(700) + "}"));
    root.put(StringValue.of("schema"), StringValue.of("type Query { a: Int }"));
    StringBuilder jwks = new StringBuilder("{\"keys\": [");
    for (int i = 0; i < N / 10; i++) {
      String k =
          java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(("k" + i).getBytes());
      jwks.append(i > 0 ? ", " : "").append("{\"kty\": \"oct\", \"k\": \"").append(k).append("\"}");
    }
    root.put(StringValue.of("jwks"), StringValue.of(jwks.append("]}").toString()));
    root.put(StringValue.of("jwt_header"), StringValue.of("{\"alg\": \"HS256\"}"));
    root.put(StringValue.of("jwt_key"), StringValue.of("{\"kty\": \"oct\", \"k\": \"AA\"}"));
    return ObjectValue.wrap(root);
  }

  /**
   * Rules that build a set and an object of the deep arrays, new in each query, and iterate them:
   * their elements and keys are sorted the first time they are iterated.
   */
  private static final String RULES =
      """
      package t

      deep_set := {y | some y in data.deep}

      deep_keys := {z: 1 | some z in data.deep}

      set_iterated := count([y | some y in deep_set])

      keys_iterated := count([k | some k, _ in deep_keys])
      """;

  private static final Policy POLICY =
      Policy.compile(List.of(new Source("t.rego", RULES)), data(), CompileOptions.defaults());

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "x := regex.match(\"[ab]*c\", data.text) | dev.vigil.rego.builtins.RegexBuiltins",
        "count(regex.find_n(\"a\", data.text, -1)) | dev.vigil.rego.builtins.RegexBuiltins",
        "count(regex.split(\"b\", data.text)) | dev.vigil.rego.builtins.RegexBuiltins",
        "count(indexof_n(data.text, \"ab\")) | dev.vigil.rego.builtins.StringBuiltins",
        "x := glob.match(\"*c\", [], data.text) | dev.vigil.rego.builtins.GlobBuiltins",
        "count(sort(data.deep)) | dev.vigil.rego.builtins.AggregateBuiltins",
        "max(data.deep) | dev.vigil.rego.builtins.AggregateBuiltins",
        "count(json.unmarshal(data.json)) | dev.vigil.rego.builtins.EncodingGoJson",
        "count(graph.reachable(data.chain, [\"n0\"])) | dev.vigil.rego.builtins.GraphBuiltins",
        "x := data.deep == data.deep2 | dev.vigil.rego.value.Values",
        "x := data.deep != data.deep2 | dev.vigil.rego.value.Values",
        "x := data.deep < data.deep2 | dev.vigil.rego.value.Values",
        "x := [0, \"y\"] in data.deep | dev.vigil.rego.value.Values",
        "x := contains(data.text, \"c\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := indexof(data.text, \"c\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := strings.count(data.text, \"ab\") | dev.vigil.rego.builtins.StringBuiltins",
        "count(split(data.text, \"b\")) | dev.vigil.rego.builtins.StringBuiltins",
        "count(strings.split_n(data.text, \"b\", 2)) | dev.vigil.rego.builtins.StringBuiltins",
        "x := replace(data.text, \"ab\", \"c\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := strings.replace_n({\"ab\": \"c\"}, data.text)"
            + " | dev.vigil.rego.builtins.StringBuiltins",
        "x := trim(data.text, \"ab\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := trim_left(data.text, \"ab\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := trim_right(data.text, \"ab\") | dev.vigil.rego.builtins.StringBuiltins",
        "x := strings.any_prefix_match(data.words, \"z\")"
            + " | dev.vigil.rego.builtins.StringBuiltins",
        "x := strings.any_suffix_match(data.words, \"z\")"
            + " | dev.vigil.rego.builtins.StringBuiltins",
        "x := object.subset(data.deep, [[0, \"y\"]]) | dev.vigil.rego.builtins.ObjectBuiltins",
        "count(object.union_n(data.objects)) | dev.vigil.rego.builtins.ObjectBuiltins",
        "count(json.patch({}, data.ops)) | dev.vigil.rego.builtins.JsonPatch",
        "count(net.cidr_contains_matches(data.blocks, data.addresses))"
            + " | dev.vigil.rego.builtins.NetBuiltins",
        "x := graphql.is_valid(data.fields, data.schema) | dev.vigil.rego.builtins.graphql",
        "x := io.jwt.decode_verify(io.jwt.encode_sign_raw(data.jwt_header, \"{}\", data.jwt_key),"
            + " {\"cert\": data.jwks}) | dev.vigil.rego.builtins.JwtVerification",
        "x := regex.globs_match(\"[\\u0001-\\uffff]\", \"[\\u0002-\\ufffe]\")"
            + " | dev.vigil.rego.builtins.RegexGlobIntersection",
        "x := json.match_schema({\"a\": data.deep}, {\"properties\": {\"a\": {\"uniqueItems\":"
            + " true}}}) | dev.vigil.rego.builtins.jsonschema",
        "x := json.match_schema({\"a\": data.deep},"
            + " {\"properties\": {\"a\": {\"items\": {\"type\": \"array\"}}}})"
            + " | dev.vigil.rego.builtins.jsonschema",
        "x := json.match_schema({\"a\": data.text}, {\"properties\": {\"a\": {\"pattern\":"
            + " \"c\"}}}) | dev.vigil.rego.builtins.jsonschema",
        "count(graphql.parse_and_verify(data.fields, data.schema))"
            + " | dev.vigil.rego.builtins.graphql",
        "count(yaml.unmarshal(data.json)) | dev.vigil.rego.builtins.EncodingYaml",
        "x := yaml.is_valid(data.json) | dev.vigil.rego.builtins.EncodingYaml",
        "count(sort(data.t.deep_set)) | dev.vigil.rego.value.SetValue",
        "x := data.t.set_iterated | dev.vigil.rego.value.SetValue",
        "x := data.t.keys_iterated | dev.vigil.rego.value.ObjectValue",
        "count(intersection({data.t.deep_set, {[0]}})) | dev.vigil.rego.value.SetValue",
        "count(json.filter(data.t.deep_keys, [[[1, \"x\"]]])) | dev.vigil.rego.builtins.JsonPaths",
        "count(json.remove(data.t.deep_keys, [[[1, \"x\"]]])) | dev.vigil.rego.builtins.JsonPaths",
        "count(json.filter({\"a\": 1}, data.t.deep_set)) | dev.vigil.rego.builtins.JsonPaths",
        "count(json.remove({\"a\": 1}, data.t.deep_set)) | dev.vigil.rego.builtins.JsonPaths",
        "x := json.verify_schema({\"enum\": data.words}) | dev.vigil.rego.builtins.jsonschema",
        "x := json.match_schema({\"a\": 1}, {\"properties\": {\"a\": {\"const\":"
            + " data.t.deep_keys}}}) | dev.vigil.rego.builtins.jsonschema",
        "x := io.jwt.encode_sign_raw(data.jwt_header, \"{}\", data.jwks)"
            + " | dev.vigil.rego.builtins.JwtKeys",
        "x := io.jwt.verify_hs256(io.jwt.encode_sign_raw(data.jwt_header, \"{}\", data.jwt_key),"
            + " data.jwks) | dev.vigil.rego.builtins.JwtKeys"
      })
  void eval_builtinPastTheDeadline_cancelErrorFromInsideIt(String query, String code) {
    AtomicBoolean inside = new AtomicBoolean();
    EvalOptions budget =
        EvalOptions.defaults()
            .withTimeout(Duration.ofSeconds(1))
            .withNanoClock(pastTheDeadlineInside(code, inside));

    QueryResult withinBudget = POLICY.prepare(query).eval(null, EvalOptions.defaults());
    RegoException e =
        catchThrowableOfType(RegoException.class, () -> POLICY.prepare(query).eval(null, budget));

    assertThat(withinBudget.rows()).as("%s answers without a deadline", query).hasSize(1);
    assertThat(e).as("no deadline check inside %s for %s", code, query).isNotNull();
    assertThat(e.code()).isEqualTo("eval_cancel_error");
    assertThat(e.getMessage()).contains("timeout exceeded");
    assertThat(inside).isTrue();
  }
}
