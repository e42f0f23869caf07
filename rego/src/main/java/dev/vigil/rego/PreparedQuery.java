package dev.vigil.rego;

import dev.vigil.rego.value.Value;
import java.util.List;

/** A compiled query, ready to evaluate with different inputs. Thread-safe. */
public final class PreparedQuery {

  private PreparedQuery() {}

  /**
   * Evaluates the query.
   *
   * @param input the input document, or null when there is none
   * @throws RegoException for evaluation errors (conflicts, type errors, exceeded limits)
   */
  public QueryResult eval(Value input, EvalOptions options) {
    throw new UnsupportedOperationException("the evaluator is not built yet");
  }

  /** Returns the source text of each expression of the query. */
  public List<String> expressionTexts() {
    throw new UnsupportedOperationException("the evaluator is not built yet");
  }
}
