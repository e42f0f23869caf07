package dev.vigil.rego.builtins.graphql;

import java.util.List;

/**
 * A GraphQL document that does not parse or validate. Holds gqlparser's messages in order, each
 * with its position when it has one.
 */
public final class GraphqlException extends RuntimeException {

  /** One complaint; {@code position} is null when the offending node had none. */
  public record Problem(String message, Ast.Position position) {

    /** Returns the complaint as gqlparser prints an error: {@code input:LINE:COL: message}. */
    String render() {
      return position == null
          ? "input: " + message
          : "input:" + position.line() + ":" + position.column() + ": " + message;
    }
  }

  private final transient List<Problem> problems;

  public GraphqlException(List<Problem> problems) {
    super(problems.get(0).message(), null, false, false);
    this.problems = List.copyOf(problems);
  }

  public GraphqlException(String message, Ast.Position position) {
    this(List.of(new Problem(message, position)));
  }

  public List<Problem> problems() {
    return problems;
  }

  /** Returns the text gqlparser's error (or error list) would print. */
  String render(boolean list) {
    if (!list) {
      return problems.get(0).render();
    }
    StringBuilder b = new StringBuilder();
    for (Problem p : problems) {
      b.append(p.render()).append('\n');
    }
    return b.toString();
  }
}
