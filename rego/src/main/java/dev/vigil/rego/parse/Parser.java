package dev.vigil.rego.parse;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Location;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Term;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Parses Rego source into the AST of {@code dev.vigil.rego.ast}, as OPA 1.x parses it.
 *
 * <p>Every method is thread-safe and returns a fresh tree. Every failure is a {@link RegoException}
 * with code {@code rego_parse_error}, listing the problems found with file, line and column; no
 * other exception escapes, whatever the input. Input nested deeper than 1000 brackets is refused;
 * input nested more than a little is parsed on a thread of its own with a large stack.
 *
 * <p>Choices where OPA's tree has no single equivalent:
 *
 * <ul>
 *   <li>{@link Expr#text()} is the exact source of the expression, including {@code not} and its
 *       {@code with} modifiers.
 *   <li>{@code input} and {@code data} on their own are refs with an empty path, as in OPA.
 *   <li>The wildcard {@code _} is kept as written.
 *   <li>{@link Module#v0()} is false when a v0 file imports {@code rego.v1}: its rules follow v1.
 * </ul>
 */
public final class Parser {

  private static final int INLINE_NESTING = 48;
  private static final long DEEP_STACK_BYTES = 64L * 1024 * 1024;

  private Parser() {}

  /**
   * Parses a module.
   *
   * @param file the name errors and locations should carry, e.g. {@code policy.rego}
   * @throws RegoException with every error found
   */
  public static Module parseModule(String file, String text, ParserOptions opts) {
    return run(
        file,
        text,
        opts,
        p -> {
          List<RegoParser.Stmt> stmts = p.parseStatements();
          if (!p.errors().isEmpty()) {
            return null;
          }
          List<MetadataParser.Block> blocks = MetadataParser.blocks(p.comments());
          return new ModuleAssembler(p).assemble(stmts, blocks);
        });
  }

  /**
   * Parses a query: expressions separated by {@code ;} or line breaks. An empty or blank query
   * gives an empty list.
   */
  public static List<Expr> parseQuery(String text, ParserOptions opts) {
    return run("", text, opts, p -> List.copyOf(p.parseQueryStatements()));
  }

  /** Parses one term, such as a conformance case's {@code input_term}; sets are allowed. */
  public static Term parseTerm(String text) {
    List<Expr> body = parseQuery(text, ParserOptions.v1());
    if (body.size() != 1
        || !(body.get(0).kind() instanceof Expr.TermExpr te)
        || body.get(0).negated()
        || !body.get(0).with().isEmpty()) {
      Location where = body.isEmpty() ? Location.NONE : body.get(0).location();
      throw new RegoException(
          new RegoError(
              RegoParser.PARSE_ERROR, "expected exactly one term but got: " + text.strip(), where));
    }
    return te.term();
  }

  private static <T> T run(
      String file, String text, ParserOptions opts, Function<RegoParser, T> work) {
    if (text == null) {
      throw new RegoException(
          new RegoError(RegoParser.PARSE_ERROR, "no source text", new Location(file, 0, 0)));
    }
    RegoParser parser = new RegoParser(file, text, opts == null ? ParserOptions.v1() : opts);
    int nesting = parser.checkNesting();
    T result = null;
    if (parser.errors().isEmpty()) {
      result = nesting <= INLINE_NESTING ? guarded(parser, work) : onDeepStack(parser, work);
    }
    if (!parser.errors().isEmpty() || result == null) {
      if (parser.errors().isEmpty()) {
        parser.errorAt(new Location(file, 1, 1), "could not parse input");
      }
      throw new RegoException(parser.errors());
    }
    return result;
  }

  private static <T> T guarded(RegoParser parser, Function<RegoParser, T> work) {
    try {
      return work.apply(parser);
    } catch (StackOverflowError e) {
      parser.errorAt(new Location(parser.file(), 1, 1), "max parsing recursion depth exceeded");
      return null;
    } catch (RegoException e) {
      throw e;
    } catch (RuntimeException e) {
      parser.errorAt(
          new Location(parser.file(), 1, 1), "parser failed on this input: " + e.getMessage());
      return null;
    }
  }

  private static <T> T onDeepStack(RegoParser parser, Function<RegoParser, T> work) {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Runnable task =
        () -> {
          try {
            result.set(guarded(parser, work));
          } catch (RuntimeException e) {
            failure.set(e);
          }
        };
    Thread t = new Thread(null, task, "rego-parser-deep", DEEP_STACK_BYTES);
    try {
      t.start();
    } catch (OutOfMemoryError e) {
      // No thread to be had: parse here; the guard turns a stack overflow into a parse error.
      return guarded(parser, work);
    }
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      parser.errorAt(new Location(parser.file(), 1, 1), "parsing interrupted");
      return null;
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return result.get();
  }
}
