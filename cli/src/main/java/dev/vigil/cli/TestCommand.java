package dev.vigil.cli;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.StringValue;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil test}: runs every {@code test_*} rule, as {@code opa test} does. A test passes when
 * its rule is defined and {@code true}; {@code todo_test_*} rules are skipped.
 */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = "Run the test_ rules of Rego files and report which pass.")
final class TestCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--v0-compatible", description = "Parse policies with Rego v0 syntax.")
  boolean v0;

  @Option(
      names = {"-v", "--verbose"},
      description = "Print every test, not only failures.")
  boolean verbose;

  @Option(
      names = "--run",
      paramLabel = "REGEX",
      description = "Run only tests whose full name (data.pkg.test_x) matches.")
  String run;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Rego and data files or folders.")
  List<Path> paths;

  /** One test rule to run. */
  private record TestRule(String name, String query, String location, boolean todo) {}

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Pattern filter;
    try {
      filter = run == null ? null : Pattern.compile(run);
    } catch (PatternSyntaxException e) {
      err.println("vigil test: --run: invalid regular expression: " + e.getDescription());
      return Vigil.EXIT_USAGE;
    }
    Policy policy;
    try {
      PolicyFiles files = PolicyFiles.load(paths);
      policy = Policy.compile(files.modules, files.data(), CompileOptions.defaults().withV0(v0));
      dev.vigil.rego.DataRuleConflicts.refuse(policy.modules(), files.data());
    } catch (RegoException e) {
      CliErrors.print(e, err);
      return 1;
    } catch (IllegalArgumentException e) {
      err.println("vigil test: " + e.getMessage());
      return Vigil.EXIT_USAGE;
    }
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    for (TestRule t : testRules(policy)) {
      if (filter != null && !filter.matcher(t.name()).find()) {
        continue;
      }
      if (t.todo()) {
        skipped++;
        if (verbose) {
          out.println(t.location() + ": " + t.name() + ": SKIPPED");
        }
        continue;
      }
      long start = System.nanoTime();
      String problem = runOne(policy, t);
      String took = String.format("%.1fms", (System.nanoTime() - start) / 1e6);
      if (problem == null) {
        passed++;
        if (verbose) {
          out.println(t.location() + ": " + t.name() + ": PASS (" + took + ")");
        }
      } else {
        failed++;
        out.println(t.location() + ": " + t.name() + ": " + problem + " (" + took + ")");
      }
    }
    out.println(
        passed
            + " passed, "
            + failed
            + " failed"
            + (skipped > 0 ? ", " + skipped + " skipped" : ""));
    return failed == 0 ? 0 : 1;
  }

  /** Runs one test and returns null when it passes, else what went wrong. */
  private static String runOne(Policy policy, TestRule t) {
    try {
      QueryResult r = policy.prepare(t.query()).eval(null, EvalOptions.defaults());
      if (r.rows().isEmpty()) {
        return "FAIL (undefined)";
      }
      if (r.rows().get(0).expressions().get(0) != BooleanValue.TRUE) {
        return "FAIL (" + r.rows().get(0).expressions().get(0) + ")";
      }
      return null;
    } catch (RegoException e) {
      return "ERROR " + CliErrors.format(e.errors().get(0));
    }
  }

  private static List<TestRule> testRules(Policy policy) {
    Map<String, TestRule> tests = new LinkedHashMap<>();
    for (Module m : policy.modules()) {
      String pkg = refText(m.packagePath());
      for (Rule rule : m.rules()) {
        Rule.Head head = rule.head();
        if (head.args() != null
            || !head.ref().path().isEmpty()
            || !(head.ref().head() instanceof Term.Var v)) {
          continue;
        }
        boolean todo = v.name().startsWith("todo_test_");
        if (!todo && !v.name().startsWith("test_")) {
          continue;
        }
        String name = pkg + "." + v.name();
        tests.putIfAbsent(name, new TestRule(name, name, rule.location().shortForm(), todo));
      }
    }
    return new ArrayList<>(tests.values());
  }

  /** Returns a package ref as text: {@code data.a.b}, or {@code data.a["b-c"]}. */
  static String refText(Term.Ref ref) {
    StringBuilder sb = new StringBuilder();
    sb.append(ref.head() instanceof Term.Var v ? v.name() : "data");
    for (Term t : ref.path()) {
      if (t instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        String key = str.value();
        if (key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          sb.append('.').append(key);
        } else {
          sb.append('[').append(str).append(']');
        }
      } else {
        sb.append('[').append(t).append(']');
      }
    }
    return sb.toString();
  }
}
