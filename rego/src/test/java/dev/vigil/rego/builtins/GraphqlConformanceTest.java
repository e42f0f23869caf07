package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Runs OPA's graphql conformance cases straight through the builtin registry, without the
 * evaluator: each case's module is read for its constants (raw strings, object literals, nested
 * parse calls) and its one rule, whose builtin call is made and whose outcome is compared with the
 * case's expected result or error.
 */
class GraphqlConformanceTest {

  private static final Path CASES = Path.of("/work/shared/conformance/rego/v1/graphql");
  private static final Pattern RAW = Pattern.compile("(?m)^(\\w+) := `([^`]*)`");
  private static final Pattern QUOTED =
      Pattern.compile("(?m)^(\\w+) := (\"(?:[^\"\\\\]|\\\\.)*\")");
  private static final Pattern OBJECT = Pattern.compile("(?m)^(\\w+) := \\{");
  private static final Pattern CALL_CONST =
      Pattern.compile("(?m)^(\\w+) := (graphql\\.\\w+)\\(`([^`]*)`\\)");
  private static final Pattern RULE = Pattern.compile("(?m)^p (?::= x )?if \\{");

  private final BuiltinRegistry registry = BuiltinRegistry.standard();

  @Test
  void conformanceCases_allInterpretable_matchOpa() throws IOException {
    List<String> failures = new ArrayList<>();
    int run = 0;
    List<Path> files;
    try (Stream<Path> s = Files.list(CASES)) {
      files = s.sorted().toList();
    }
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    for (Path file : files) {
      for (JsonNode c : yaml.readTree(file.toFile()).get("cases")) {
        run++;
        String outcome = runCase(c);
        if (outcome != null) {
          failures.add(c.get("note").asText() + ": " + outcome);
        }
      }
    }
    assertThat(run).isEqualTo(144);
    assertThat(failures).isEmpty();
  }

  /** Returns null when the case passes, or what went wrong. */
  private String runCase(JsonNode c) {
    String module = c.get("modules").get(0).asText();
    Map<String, Value> env = new HashMap<>();
    Matcher m = RAW.matcher(module);
    while (m.find()) {
      env.put(m.group(1), StringValue.of(m.group(2)));
    }
    m = QUOTED.matcher(module);
    while (m.find()) {
      env.put(m.group(1), Json.parse(m.group(2)));
    }
    m = OBJECT.matcher(module);
    while (m.find()) {
      String text = balanced(module, m.end() - 1, '{', '}');
      env.put(m.group(1), Json.parse(text.replaceAll(",(\\s*[}\\]])", "$1")));
    }
    m = CALL_CONST.matcher(module);
    while (m.find()) {
      env.put(m.group(1), call(m.group(2), List.of(StringValue.of(m.group(3)))));
    }
    Matcher rule = RULE.matcher(module);
    if (!rule.find()) {
      return "no rule p";
    }
    String body = balanced(module, rule.end() - 1, '{', '}');
    body = body.substring(1, body.length() - 1).trim();
    int callAt = body.indexOf("graphql.");
    int open = body.indexOf('(', callAt);
    String name = body.substring(callAt, open);
    String argText = balanced(body, open, '(', ')');
    List<Value> args = new ArrayList<>();
    for (String a : splitArgs(argText.substring(1, argText.length() - 1))) {
      args.add(argument(a.trim(), env));
    }
    Value result;
    try {
      result = call(name, args);
    } catch (BuiltinException e) {
      if (!c.has("want_error")) {
        return "unexpected error: " + e.getMessage();
      }
      String want = c.get("want_error").asText();
      String got = name + ": " + e.getMessage();
      return got.contains(want) && e.code().equals(c.get("want_error_code").asText())
          ? null
          : "error " + got + " wanted " + want;
    }
    if (c.has("want_error")) {
      return "wanted error " + c.get("want_error").asText() + " got " + result;
    }
    Value p =
        ruleValue(
            body.substring(0, callAt),
            body.substring(callAt + name.length() + argText.length()),
            result,
            env);
    JsonNode want = c.get("want_result");
    Value wanted = want.isEmpty() ? null : Json.parse(want.get(0).get("x").toString());
    return java.util.Objects.equals(p, wanted)
        ? null
        : "got p=" + p + " wanted " + wanted + " (result " + result + ")";
  }

  /** Evaluates the rule's single expression shape around the call; null when undefined. */
  private static Value ruleValue(
      String before, String after, Value result, Map<String, Value> env) {
    before = before.trim();
    String rest = after.trim();
    if (before.startsWith("[")) {
      String[] pattern = before.substring(1, before.lastIndexOf(']')).split(",");
      ArrayValue arr = (ArrayValue) result;
      Map<String, Value> bound = new HashMap<>();
      for (int i = 0; i < pattern.length; i++) {
        String p = pattern[i].trim();
        Value got = arr.get(i);
        if (p.equals("_")) {
          continue;
        }
        if (p.equals("{}")) {
          if (!got.equals(ObjectValue.EMPTY)) {
            return null;
          }
        } else if (env.containsKey(p)) {
          if (!env.get(p).equals(got)) {
            return null;
          }
        } else {
          bound.put(p, got);
        }
      }
      if (rest.equals("valid")) {
        return bound.get("valid").equals(BooleanValue.TRUE) ? BooleanValue.TRUE : null;
      }
      if (rest.equals("not valid")) {
        return bound.get("valid").equals(BooleanValue.FALSE) ? BooleanValue.TRUE : null;
      }
      return BooleanValue.TRUE;
    }
    if (before.startsWith("x")) {
      return result;
    }
    if (before.equals("not")) {
      return result.equals(BooleanValue.FALSE) ? BooleanValue.TRUE : null;
    }
    if (rest.startsWith("==")) {
      return result.equals(env.get(rest.substring(2).trim())) ? BooleanValue.TRUE : null;
    }
    return result.equals(BooleanValue.FALSE) ? null : BooleanValue.TRUE;
  }

  private Value argument(String a, Map<String, Value> env) {
    if (a.startsWith("`")) {
      return StringValue.of(a.substring(1, a.length() - 1));
    }
    if (a.startsWith("\"")) {
      return Json.parse(a);
    }
    if (a.startsWith("graphql.")) {
      int open = a.indexOf('(');
      return call(
          a.substring(0, open), List.of(argument(a.substring(open + 1, a.length() - 1), env)));
    }
    Value v = env.get(a);
    if (v == null) {
      throw new IllegalStateException("unbound " + a);
    }
    return v;
  }

  private Value call(String name, List<Value> args) {
    return registry.get(name).invoke(SimpleBuiltinContext.system(), args.toArray(new Value[0]));
  }

  private static List<String> splitArgs(String s) {
    List<String> out = new ArrayList<>();
    int depth = 0;
    boolean raw = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '`') {
        raw = !raw;
      } else if (!raw && ch == '(') {
        depth++;
      } else if (!raw && ch == ')') {
        depth--;
      } else if (!raw && depth == 0 && ch == ',') {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
    return out;
  }

  private static String balanced(String s, int from, char open, char close) {
    int depth = 0;
    boolean raw = false;
    boolean str = false;
    for (int i = from; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (str) {
        if (ch == '\\') {
          i++;
        } else if (ch == '"') {
          str = false;
        }
        continue;
      }
      if (ch == '`') {
        raw = !raw;
      } else if (!raw && ch == '"') {
        str = true;
      } else if (!raw && ch == open) {
        depth++;
      } else if (!raw && ch == close && --depth == 0) {
        return s.substring(from, i + 1);
      }
    }
    throw new IllegalStateException("unbalanced text from " + from);
  }
}
