package dev.vigil.rego.eval;

/**
 * Receives the trace of one evaluation, step by step, as OPA's query tracers do: each body or rule
 * entered, each expression evaluated, failed or tried again, and each {@code trace(msg)} note. An
 * evaluation without a tracer pays nothing for this hook beyond a null check per expression.
 *
 * <p>Called on the evaluating thread, in evaluation order. A tracer must not throw; what it does
 * with the events (keep them, filter them, count them) is its own.
 */
@FunctionalInterface
public interface Tracer {

  /** Records one event; {@code event} is immutable and may be kept. */
  void event(TraceEvent event);

  /**
   * Forgets the events recorded so far: the evaluation starts again from its first step (a policy
   * nested too deeply for the calling thread's stack is evaluated again on a larger one).
   */
  default void restart() {}
}
