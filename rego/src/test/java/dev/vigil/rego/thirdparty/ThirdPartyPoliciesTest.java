package dev.vigil.rego.thirdparty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.rego.CompileOptions;
import dev.vigil.rego.EvalOptions;
import dev.vigil.rego.Policy;
import dev.vigil.rego.QueryResult;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.Source;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.StringValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the unit tests of real-world Rego libraries written by others, unchanged, as {@code opa
 * test} would: every {@code test_*} rule must evaluate to {@code true}.
 *
 * <p>The libraries live under {@code src/test/resources/thirdparty/}, one folder each with the
 * upstream license and a README naming the commit of every file. The test names are read from the
 * source text as well as from the compiled modules, so an engine that loses a rule while parsing
 * fails here instead of running fewer tests.
 */
class ThirdPartyPoliciesTest {

  /** One library folder and the syntax its files are written in. */
  private record Library(String folder, boolean v0) {}

  private static final List<Library> LIBRARIES =
      List.of(
          new Library("open-policy-agent-gatekeeper-library", true),
          new Library("open-policy-agent-conftest", true),
          new Library("enterprise-contract-ec-policies", false));

  private static final Pattern PACKAGE = Pattern.compile("(?m)^\\s*package\\s+([A-Za-z0-9_.]+)");
  private static final Pattern TEST_RULE = Pattern.compile("(?m)^(test_[A-Za-z0-9_]+)\\b");

  @TestFactory
  Stream<DynamicContainer> testRules_eachLibrary_evaluateToTrue() {
    return LIBRARIES.stream().map(ThirdPartyPoliciesTest::library);
  }

  private static DynamicContainer library(Library lib) {
    List<Source> sources = sources(lib.folder());
    Set<String> expected = testNamesInText(sources);
    CompiledLibrary compiled = new CompiledLibrary(sources, lib.v0());
    List<DynamicTest> tests = new ArrayList<>();
    tests.add(
        DynamicTest.dynamicTest(
            "engine finds the same test rules as the source text",
            () -> {
              assertThat(expected).as("test rules in " + lib.folder()).isNotEmpty();
              assertThat(compiled.policy().testNames()).isEqualTo(expected);
            }));
    for (String name : expected) {
      tests.add(DynamicTest.dynamicTest(name, () -> assertPasses(compiled, name)));
    }
    return DynamicContainer.dynamicContainer(
        lib.folder() + " (" + expected.size() + " tests)", tests);
  }

  private static void assertPasses(CompiledLibrary compiled, String name) {
    QueryResult result;
    try {
      result = compiled.policy().policy().prepare(name).eval(null, EvalOptions.defaults());
    } catch (RegoException e) {
      throw new AssertionError(name + ": ERROR " + e.errors(), e);
    }
    assertThat(result.rows()).as("%s is undefined", name).isNotEmpty();
    assertThat(result.rows().get(0).expressions().get(0))
        .as("%s evaluates to true", name)
        .isEqualTo(BooleanValue.TRUE);
  }

  /** A library compiled at most once, on first use; a compile error fails each of its tests. */
  private static final class CompiledLibrary {
    private final List<Source> sources;
    private final boolean v0;
    private TestablePolicy compiled;

    CompiledLibrary(List<Source> sources, boolean v0) {
      this.sources = sources;
      this.v0 = v0;
    }

    synchronized TestablePolicy policy() {
      if (compiled == null) {
        try {
          Policy p = Policy.compile(sources, null, CompileOptions.defaults().withV0(v0));
          compiled = new TestablePolicy(p, testNamesInModules(p));
        } catch (RegoException e) {
          throw new AssertionError("library does not compile: " + e.errors(), e);
        }
      }
      return compiled;
    }
  }

  private record TestablePolicy(Policy policy, Set<String> testNames) {}

  /** Lists the test rules of the compiled modules, as {@code data.pkg.test_name}. */
  private static Set<String> testNamesInModules(Policy policy) {
    Set<String> names = new TreeSet<>();
    for (Module m : policy.modules()) {
      for (Rule rule : m.rules()) {
        Rule.Head head = rule.head();
        if (head.args() == null
            && head.ref().path().isEmpty()
            && head.ref().head() instanceof Term.Var v
            && v.name().startsWith("test_")) {
          names.add(packageName(m.packagePath()) + "." + v.name());
        }
      }
    }
    return names;
  }

  /** Lists the test rules written at the start of a line in each file's text. */
  private static Set<String> testNamesInText(List<Source> sources) {
    Set<String> names = new TreeSet<>();
    for (Source s : sources) {
      Matcher pkg = PACKAGE.matcher(s.text());
      if (!pkg.find()) {
        throw new IllegalStateException("no package clause in " + s.name());
      }
      Matcher test = TEST_RULE.matcher(s.text());
      while (test.find()) {
        names.add("data." + pkg.group(1) + "." + test.group(1));
      }
    }
    return names;
  }

  private static String packageName(Term.Ref ref) {
    StringBuilder sb = new StringBuilder("data");
    for (Term t : ref.path()) {
      if (t instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        sb.append('.').append(str.value());
      } else {
        throw new IllegalStateException("package path with a non-string part: " + ref);
      }
    }
    return sb.toString();
  }

  private static List<Source> sources(String folder) {
    Path root;
    try {
      root = Path.of(ThirdPartyPoliciesTest.class.getResource("/thirdparty/" + folder).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> files = Files.walk(root)) {
      List<Source> sources = new ArrayList<>();
      for (Path p : files.filter(f -> f.toString().endsWith(".rego")).sorted().toList()) {
        sources.add(new Source(root.relativize(p).toString(), Files.readString(p)));
      }
      assertThat(sources).as("rego files under " + root).isNotEmpty();
      return sources;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
