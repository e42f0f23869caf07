package dev.vigil.rego;

import dev.vigil.rego.builtins.SimpleBuiltinContext;
import dev.vigil.rego.builtins.SizeLimit;
import dev.vigil.rego.builtins.TimeBudget;
import dev.vigil.rego.compile.CompiledPolicy;
import dev.vigil.rego.compile.CompiledQuery;
import dev.vigil.rego.eval.EvalListener;
import dev.vigil.rego.eval.Evaluator;
import dev.vigil.rego.eval.Tracer;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A compiled query, ready to evaluate with different inputs. Thread-safe.
 *
 * <p>Evaluation runs on the calling thread. A policy nested deeply enough to exhaust that thread's
 * stack is evaluated again on a thread with a large stack, so that the configured depth limit, not
 * the JVM's stack size, decides how deep evaluation may go; {@code print} output of the first
 * attempt is then repeated. Both attempts spend one time budget, started when the query is.
 */
public final class PreparedQuery {

  private static final long DEEP_STACK_BYTES = 1L << 30;
  private static final AtomicInteger THREADS = new AtomicInteger();
  private static final ExecutorService DEEP =
      Executors.newCachedThreadPool(
          r -> {
            Thread t =
                new Thread(
                    null, r, "vigil-rego-deep-" + THREADS.incrementAndGet(), DEEP_STACK_BYTES);
            t.setDaemon(true);
            return t;
          });

  private final CompiledPolicy policy;
  private final CompiledQuery query;

  PreparedQuery(CompiledPolicy policy, CompiledQuery query) {
    this.policy = policy;
    this.query = query;
  }

  /**
   * Evaluates the query.
   *
   * @param input the input document, or null when there is none
   * @throws RegoException for evaluation errors (conflicts, type errors, exceeded limits)
   */
  public QueryResult eval(Value input, EvalOptions options) {
    return eval(input, options, null, line -> System.err.println(line));
  }

  /**
   * Evaluates the query with an explanation listener and a sink for {@code print} output.
   *
   * @param listener receives rule and failure events, or null
   * @param printSink receives each line {@code print} writes, or null to drop them
   */
  public QueryResult eval(
      Value input, EvalOptions options, EvalListener listener, Consumer<String> printSink) {
    return eval(input, options, listener, printSink, null);
  }

  /**
   * Evaluates the query and records its trace, as OPA's explanations show it.
   *
   * @param tracer receives every step of the evaluation, or null to record none (the cost of
   *     tracing is then a null check per expression)
   */
  public QueryResult eval(
      Value input,
      EvalOptions options,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    EvalOptions opts = options == null ? EvalOptions.defaults() : options;
    TimeBudget budget = opts.startBudget();
    try {
      return evalOnThisStack(input, opts, budget, listener, printSink, tracer);
    } catch (OutOfMemoryError e) {
      // Also when a thread with a larger stack could not be had.
      throw outOfMemory();
    } catch (RegoException e) {
      throw e;
    } catch (RuntimeException e) {
      throw internalError(e);
    }
  }

  /**
   * Fails closed on a query that ran out of memory. Catching the error here is safe: it was raised
   * on this thread while evaluation allocated, everything the query allocated is garbage once the
   * stack has unwound to this point, and evaluation changes no shared state but caches that
   * allocate before they change (compiled patterns) and locks that unwinding releases, so the
   * caller may go on serving. Other errors of the virtual machine are not caught: they may leave it
   * broken.
   */
  private static RegoException outOfMemory() {
    return new RegoException(
        new RegoError(
            "eval_cancel_error", "evaluation ran out of memory", dev.vigil.rego.ast.Location.NONE));
  }

  private QueryResult evalOnThisStack(
      Value input,
      EvalOptions opts,
      TimeBudget budget,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    try {
      return newEvaluator(input, opts, budget, listener, printSink, tracer).run();
    } catch (StackOverflowError e) {
      if (tracer != null) {
        tracer.restart();
      }
      return evalOnDeepStack(input, opts, budget, listener, printSink, tracer);
    }
  }

  /** Fails closed on a defect of the engine, with a message a user can report. */
  private static RegoException internalError(RuntimeException e) {
    return new RegoException(
        new RegoError(
            "eval_internal_error",
            "evaluation failed inside Vigil's policy engine: " + e,
            dev.vigil.rego.ast.Location.NONE));
  }

  private QueryResult evalOnDeepStack(
      Value input,
      EvalOptions options,
      TimeBudget budget,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    Future<QueryResult> f =
        DEEP.submit(
            () -> {
              try {
                return newEvaluator(input, options, budget, listener, printSink, tracer).run();
              } catch (StackOverflowError e) {
                throw new RegoException(
                    new RegoError(
                        "eval_cancel_error",
                        "maximum evaluation depth exceeded",
                        dev.vigil.rego.ast.Location.NONE));
              } catch (OutOfMemoryError e) {
                throw outOfMemory();
              }
            });
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      throw new RegoException(
          new RegoError(
              "eval_cancel_error", "evaluation interrupted", dev.vigil.rego.ast.Location.NONE));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RegoException re) {
        throw re;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw internalError(re);
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private Evaluator newEvaluator(
      Value input,
      EvalOptions options,
      TimeBudget budget,
      EvalListener listener,
      Consumer<String> printSink,
      Tracer tracer) {
    SizeLimit sizes = SizeLimit.forDocuments(input, policy.data());
    var ctx =
        new SimpleBuiltinContext(
            options.clock(),
            options.strictBuiltinErrors(),
            options.networkAllowed(),
            budget,
            sizes);
    return new Evaluator(
        policy, query, input, options, budget, sizes, ctx, listener, printSink, tracer);
  }

  /** Returns the source text of each expression of the query. */
  public List<String> expressionTexts() {
    return query.texts();
  }

  /** Returns the names of the variables the query binds, in order of appearance. */
  public List<String> variables() {
    return query.vars();
  }
}
