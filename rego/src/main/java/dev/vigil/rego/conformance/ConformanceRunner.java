package dev.vigil.rego.conformance;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs Rego conformance cases in OPA's YAML format and reports which pass.
 *
 * <p>A case passes when its expected error (code and/or message substring) is raised, or when no
 * error is raised and the set of result rows equals the set of expected rows. Values are compared
 * in their JSON form (sets as sorted arrays), numbers by value. A case that expects nothing fails.
 */
public final class ConformanceRunner {

  /** Time budget of one case. */
  static final Duration CASE_TIMEOUT = Duration.ofSeconds(10);

  /** The result of one case. */
  public record Outcome(ConformanceCase testCase, boolean passed, String reason) {}

  /** The results of a run, per folder, in the order run. */
  public record Summary(List<Outcome> outcomes) {

    public long passed() {
      return outcomes.stream().filter(Outcome::passed).count();
    }

    public long failed() {
      return outcomes.size() - passed();
    }

    /** Returns the share of cases that passed, 0 to 1. */
    public double passRate() {
      return outcomes.isEmpty() ? 0 : (double) passed() / outcomes.size();
    }
  }

  private final boolean forceV0;

  /**
   * Creates a runner.
   *
   * @param forceV0 parse every case with v0 syntax; otherwise v0 is used when a segment of the case
   *     file's path is {@code v0}
   */
  public ConformanceRunner(boolean forceV0) {
    this.forceV0 = forceV0;
  }

  /** Runs every case under the given files or folders, printing failures and a summary. */
  public Summary run(List<Path> roots, PrintStream out) {
    List<Outcome> outcomes = new ArrayList<>();
    for (Path root : roots) {
      for (Path file : CaseReader.yamlFiles(root)) {
        boolean v0 = forceV0 || isV0Path(file);
        List<ConformanceCase> cases;
        try {
          cases = CaseReader.read(file, v0);
        } catch (IllegalArgumentException e) {
          // A file that cannot be read counts as one failed case, so it cannot go unnoticed.
          out.println("ERROR " + e.getMessage());
          Path parent = file.getParent();
          ConformanceCase unreadable =
              new ConformanceCase(
                  file,
                  parent == null ? "" : parent.getFileName().toString(),
                  file.getFileName().toString(),
                  List.of(),
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  null,
                  false,
                  false,
                  false,
                  false,
                  v0);
          outcomes.add(new Outcome(unreadable, false, e.getMessage()));
          continue;
        }
        for (ConformanceCase c : cases) {
          Outcome o = runCase(c);
          if (!o.passed()) {
            out.println("FAIL " + c.note() + " (" + c.file() + ")");
            out.println("     " + o.reason().replace("\n", "\n     "));
          }
          outcomes.add(o);
        }
      }
    }
    Summary summary = new Summary(outcomes);
    printFolders(summary, out);
    out.println(summary.passed() + " passed, " + summary.failed() + " failed");
    return summary;
  }

  private static boolean isV0Path(Path file) {
    for (Path segment : file.toAbsolutePath().normalize()) {
      if (segment.toString().equals("v0")) {
        return true;
      }
    }
    return false;
  }

  private static void printFolders(Summary summary, PrintStream out) {
    Map<String, int[]> folders = new LinkedHashMap<>();
    for (Outcome o : summary.outcomes()) {
      int[] counts = folders.computeIfAbsent(o.testCase().folder(), k -> new int[2]);
      counts[o.passed() ? 0 : 1]++;
    }
    if (folders.size() > 1) {
      out.println();
      folders.forEach(
          (folder, c) ->
              out.printf("%-48s %4d/%-4d%s%n", folder, c[0], c[0] + c[1], c[1] > 0 ? "  *" : ""));
      out.println();
    }
  }

  /** Runs one case. Never throws: an unexpected exception is a failed case naming it. */
  public Outcome runCase(ConformanceCase c) {
    if (c.wantResult() == null && c.wantErrorCode() == null && c.wantError() == null) {
      return new Outcome(c, false, "the case expects neither a result nor an error");
    }
    try {
      return check(c, evaluate(c));
    } catch (RegoException e) {
      return checkError(c, e);
    } catch (StackOverflowError e) {
      return new Outcome(c, false, "stack overflow during evaluation");
    } catch (RuntimeException e) {
      return new Outcome(c, false, "unexpected " + e.getClass().getSimpleName() + ": " + e);
    }
  }

  private static QueryResult evaluate(ConformanceCase c) {
    CompileOptions options =
        CompileOptions.defaults().withV0(c.v0()).withExperimentalKeywords(c.experimentalKeywords());
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < c.modules().size(); i++) {
      sources.add(new Source("test-" + i + ".rego", c.modules().get(i)));
    }
    EvalOptions eval =
        EvalOptions.defaults().withStrictBuiltinErrors(c.strictError()).withTimeout(CASE_TIMEOUT);
    Value input = c.input();
    if (c.inputTerm() != null) {
      input = termValue(c.inputTerm(), options, eval);
    }
    Policy policy = Policy.compile(sources, c.data(), options);
    return policy.prepare(c.query()).eval(input, eval);
  }

  /** Evaluates Rego term text, such as a set literal, to its value. */
  private static Value termValue(String term, CompileOptions options, EvalOptions eval) {
    Policy empty = Policy.compile(List.of(), null, options.withV0(false));
    QueryResult r = empty.prepare("vigil_input_term = " + term).eval(null, eval);
    if (r.rows().size() != 1) {
      throw new IllegalArgumentException("input_term is not one value: " + term);
    }
    return r.rows().get(0).bindings().get("vigil_input_term");
  }

  private static Outcome check(ConformanceCase c, QueryResult result) {
    if (c.wantResult() == null) {
      return new Outcome(
          c, false, "expected error " + expectedError(c) + " but got " + rowsText(result, c));
    }
    Set<Value> want = new HashSet<>();
    for (Value row : c.wantResult()) {
      want.add(normalise(row, c.sortBindings()));
    }
    Set<Value> got = new HashSet<>();
    for (QueryResult.Row row : result.rows()) {
      got.add(normalise(rowValue(row, c), c.sortBindings()));
    }
    if (want.equals(got)) {
      return new Outcome(c, true, "");
    }
    return new Outcome(
        c, false, "want " + ArrayValue.of(List.copyOf(want)) + "\n got " + rowsText(result, c));
  }

  private static Outcome checkError(ConformanceCase c, RegoException e) {
    if (c.wantErrorCode() == null && c.wantError() == null) {
      return new Outcome(c, false, "unexpected error: " + e.getMessage());
    }
    for (RegoError err : e.errors()) {
      boolean codeOk = c.wantErrorCode() == null || c.wantErrorCode().equals(err.code());
      boolean messageOk = c.wantError() == null || err.toString().contains(c.wantError());
      if (codeOk && messageOk) {
        return new Outcome(c, true, "");
      }
    }
    return new Outcome(
        c, false, "expected error " + expectedError(c) + "\n got error " + e.getMessage());
  }

  private static String expectedError(ConformanceCase c) {
    return (c.wantErrorCode() == null ? "" : c.wantErrorCode())
        + (c.wantError() == null ? "" : " \"" + c.wantError() + "\"");
  }

  private static Value rowValue(QueryResult.Row row, ConformanceCase c) {
    Map<Value, Value> m = new HashMap<>();
    row.bindings()
        .forEach(
            (name, value) -> {
              if (!(c.ignoreGeneratedVars() && isGenerated(name))) {
                m.put(StringValue.of(name), value);
              }
            });
    return ObjectValue.wrap(m);
  }

  private static boolean isGenerated(String name) {
    return name.startsWith("$") || name.startsWith("__");
  }

  private static String rowsText(QueryResult result, ConformanceCase c) {
    List<Value> rows = new ArrayList<>();
    for (QueryResult.Row row : result.rows()) {
      rows.add(normalise(rowValue(row, c), false));
    }
    return ArrayValue.of(rows).toString();
  }

  /**
   * Returns the value's JSON form: sets become sorted arrays, object keys that are not strings
   * become their JSON text. With {@code sortTop}, each top-level binding that is an array is sorted
   * too.
   */
  static Value normalise(Value v, boolean sortTop) {
    Value json = toJsonForm(v);
    if (!sortTop || !(json instanceof ObjectValue row)) {
      return json;
    }
    Map<Value, Value> m = new HashMap<>();
    for (Value k : row.keys()) {
      Value b = row.get(k);
      if (b instanceof ArrayValue a) {
        List<Value> sorted = new ArrayList<>(a.elements());
        sorted.sort(null);
        b = ArrayValue.of(sorted);
      }
      m.put(k, b);
    }
    return ObjectValue.wrap(m);
  }

  private static Value toJsonForm(Value v) {
    return switch (v) {
      case SetValue s -> {
        List<Value> l = new ArrayList<>();
        for (Value e : s.elements()) {
          l.add(toJsonForm(e));
        }
        yield ArrayValue.of(l);
      }
      case ArrayValue a -> {
        List<Value> l = new ArrayList<>(a.size());
        for (Value e : a.elements()) {
          l.add(toJsonForm(e));
        }
        yield ArrayValue.of(l);
      }
      case ObjectValue o -> {
        Map<Value, Value> m = new HashMap<>();
        for (Value k : o.keys()) {
          Value key = k instanceof StringValue ? k : StringValue.of(k.toJson());
          m.put(key, toJsonForm(o.get(k)));
        }
        yield ObjectValue.wrap(m);
      }
      default -> v;
    };
  }
}
