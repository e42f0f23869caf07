package dev.vigil.rego;

import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.Map;

/**
 * The answer to a query: one row per way the query succeeded; no rows when it is undefined.
 *
 * @param rows the rows, in evaluation order
 */
public record QueryResult(List<Row> rows) {

  /**
   * One solution of a query.
   *
   * @param expressions the value of each expression of the query, in order
   * @param bindings the value of each variable the query names (generated names excluded)
   */
  public record Row(List<Value> expressions, Map<String, Value> bindings) {}

  public boolean isUndefined() {
    return rows.isEmpty();
  }
}
