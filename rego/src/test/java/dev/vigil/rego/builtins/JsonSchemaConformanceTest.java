package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.rego.value.Json;
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
 * Runs OPA's jsonschema conformance cases through the registry: each module binds a document and a
 * schema (raw strings or object literals) and sets {@code p} to one builtin call.
 */
class JsonSchemaConformanceTest {

  private static final Path CASES = Path.of("/work/shared/conformance/rego/v1/jsonschema");
  private static final Pattern BINDING = Pattern.compile("(?m)^(\\w+) := ([`{])");
  private static final Pattern CALL = Pattern.compile("(?m)^p := (json\\.\\w+)\\(([^)]*)\\)");

  @Test
  void conformanceCases_all_matchOpa() throws IOException {
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
    assertThat(run).isEqualTo(9);
    assertThat(failures).isEmpty();
  }

  private static String runCase(JsonNode c) {
    String module = c.get("modules").get(0).asText();
    Map<String, Value> env = new HashMap<>();
    Matcher m = BINDING.matcher(module);
    while (m.find()) {
      int start = m.end() - 1;
      if (m.group(2).equals("`")) {
        int end = module.indexOf('`', start + 1);
        env.put(m.group(1), StringValue.of(module.substring(start + 1, end)));
      } else {
        int end = closing(module, start);
        String text = module.substring(start, end + 1).replaceAll(",(\\s*[}\\]])", "$1");
        env.put(m.group(1), Json.parse(text));
      }
    }
    Matcher call = CALL.matcher(module);
    if (!call.find()) {
      return "no call";
    }
    List<Value> args = new ArrayList<>();
    for (String a : call.group(2).split(",")) {
      args.add(env.get(a.trim()));
    }
    String name = call.group(1);
    Value result;
    try {
      result =
          BuiltinRegistry.standard()
              .get(name)
              .invoke(SimpleBuiltinContext.system(), args.toArray(new Value[0]));
    } catch (BuiltinException e) {
      String got = name + ": " + e.getMessage();
      return c.has("want_error") && got.contains(c.get("want_error").asText())
          ? null
          : "unexpected error " + got;
    }
    if (c.has("want_error")) {
      return "wanted an error, got " + result;
    }
    Value want = Json.parse(c.get("want_result").get(0).get("x").toString());
    return want.equals(result) ? null : "got " + result + " wanted " + want;
  }

  private static int closing(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"') {
        i = s.indexOf('"', i + 1);
      } else if (ch == '{' || ch == '[') {
        depth++;
      } else if ((ch == '}' || ch == ']') && --depth == 0) {
        return i;
      }
    }
    throw new IllegalStateException("unbalanced object literal");
  }
}
