package dev.vigil.cli;

import dev.vigil.httpkit.DurationText;
import dev.vigil.pdp.FileProblems;
import dev.vigil.rego.CapturingQuery;
import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.trace.TraceJson;
import dev.vigil.rego.trace.TraceRecorder;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vigil eval}: evaluates a query against policies and data, as {@code opa eval} does. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Evaluate a Rego query against policy and data files.")
final class EvalCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-d", "--data"},
      paramLabel = "PATH",
      description = "Rego, JSON or YAML file or directory to load (repeatable).")
  List<Path> dataPaths = new ArrayList<>();

  @Option(
      names = {"-i", "--input"},
      paramLabel = "INPUT",
      description = "Input document, JSON (or YAML by extension).")
  Path inputPath;

  @Option(names = "--v0-compatible", description = "Parse policies with Rego v0 syntax.")
  boolean v0;

  @Option(
      names = {"-f", "--format"},
      defaultValue = "json",
      description = "Output format: json or raw (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--strict-builtin-errors",
      description = "Treat builtin errors as fatal instead of undefined.")
  boolean strict;

  @Option(
      names = "--timeout",
      defaultValue = "10s",
      paramLabel = "DURATION",
      description = "Time budget of the query, e.g. 500ms, 10s (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(
      names = "--explain",
      defaultValue = "off",
      paramLabel = "MODE",
      description =
          "Trace the evaluation as OPA's explanations do: off, notes, fails, full or debug"
              + " (default: ${DEFAULT-VALUE}). With --format json the output gets an"
              + " \"explanation\" array of trace events; with raw the trace follows as text.")
  String explain;

  /** The most trace events kept; a longer trace is cut, and the command says so on stderr. */
  static final int EXPLANATION_LIMIT = 1_000_000;

  @Parameters(index = "0", paramLabel = "QUERY", description = "The query, e.g. data.authz.allow")
  String query;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    if (query.isBlank()) {
      err.println("vigil eval: the query is empty; give one, like data.authz.allow");
      return Vigil.EXIT_USAGE;
    }
    if (!format.equals("json") && !format.equals("raw")) {
      err.println("vigil eval: --format must be json or raw, not \"" + format + "\"");
      return Vigil.EXIT_USAGE;
    }
    TraceRecorder.Mode mode = TraceRecorder.Mode.of(explain);
    if (mode == null && !explain.equals("off")) {
      err.println(
          "vigil eval: --explain must be off, notes, fails, full or debug, not \""
              + explain
              + "\"");
      return Vigil.EXIT_USAGE;
    }
    TraceRecorder trace = mode == null ? null : new TraceRecorder(mode, EXPLANATION_LIMIT);
    Duration budget;
    try {
      budget = DurationText.parse(timeout);
    } catch (IllegalArgumentException e) {
      err.println("vigil eval: --timeout: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    try {
      PolicyFiles files = PolicyFiles.load(dataPaths);
      Value input = inputPath == null ? null : readDocument(inputPath);
      Policy policy =
          Policy.compile(files.modules, files.data(), CompileOptions.defaults().withV0(v0));
      dev.vigil.rego.DataRuleConflicts.refuse(policy.modules(), files.data());
      CapturingQuery prepared = CapturingQuery.prepare(policy, query, v0);
      EvalOptions options =
          EvalOptions.defaults().withStrictBuiltinErrors(strict).withTimeout(budget);
      QueryResult result = prepared.eval(input, options, null, err::println, trace);
      if (format.equals("raw")) {
        printRaw(result, out);
        if (trace != null) {
          TraceJson.pretty(trace.events()).forEach(out::println);
        }
      } else {
        Value json = toJson(result, prepared.expressionTexts());
        if (trace != null) {
          Map<Value, Value> all = new HashMap<>(((ObjectValue) json).asMap());
          all.put(StringValue.of("explanation"), TraceJson.events(trace.events()));
          json = ObjectValue.wrap(all);
        }
        out.println(Json.writePretty(json));
      }
      if (trace != null && trace.truncated()) {
        err.println(
            "vigil eval: the explanation was cut at its first "
                + EXPLANATION_LIMIT
                + " events; --explain notes or fails keep fewer");
      }
      return 0;
    } catch (RegoException e) {
      CliErrors.print(e, err);
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("vigil eval: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
  }

  /** Reads a JSON or YAML document, naming the file and place when it is not valid. */
  static Value readDocument(Path path) {
    String text;
    try {
      text = Files.readString(path);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(path + ": is not UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException(path + ": cannot read: " + FileProblems.reason(e));
    }
    String name = path.getFileName().toString();
    if (name.endsWith(".yaml") || name.endsWith(".yml")) {
      try {
        return dev.vigil.rego.value.Yaml.parse(text);
      } catch (JsonException e) {
        throw new IllegalArgumentException(CliErrors.place(path, e) + ": " + e.getMessage());
      }
    }
    try {
      return Json.parse(text);
    } catch (JsonException e) {
      throw new IllegalArgumentException(
          CliErrors.place(path, e) + ": invalid JSON: " + e.getMessage());
    }
  }

  /**
   * Prints values as {@code opa eval --format raw} does: one line per result, the expressions'
   * values separated by spaces, strings without quotes, other values as JSON.
   */
  private static void printRaw(QueryResult result, java.io.PrintWriter out) {
    for (QueryResult.Row row : result.rows()) {
      List<String> parts = new ArrayList<>();
      for (Value v : row.expressions()) {
        parts.add(v instanceof StringValue s ? s.value() : Json.write(v));
      }
      out.println(String.join(" ", parts));
    }
  }

  /** Builds {@code {"result":[{"expressions":[{"value":..,"text":..}],"bindings":{..}}]}}. */
  static Value toJson(QueryResult result, List<String> texts) {
    if (result.rows().isEmpty()) {
      return ObjectValue.EMPTY;
    }
    List<Value> rows = new ArrayList<>();
    for (QueryResult.Row row : result.rows()) {
      List<Value> exprs = new ArrayList<>();
      for (int i = 0; i < row.expressions().size(); i++) {
        String text = i < texts.size() ? texts.get(i) : "";
        exprs.add(
            ObjectValue.of(
                StringValue.of("value"), row.expressions().get(i),
                StringValue.of("text"), StringValue.of(text)));
      }
      Map<Value, Value> r = new HashMap<>();
      r.put(StringValue.of("expressions"), ArrayValue.of(exprs));
      if (!row.bindings().isEmpty()) {
        Map<Value, Value> b = new HashMap<>();
        row.bindings().forEach((k, v) -> b.put(StringValue.of(k), v));
        r.put(StringValue.of("bindings"), ObjectValue.wrap(b));
      }
      rows.add(ObjectValue.wrap(r));
    }
    return ObjectValue.of(StringValue.of("result"), ArrayValue.of(rows));
  }
}
