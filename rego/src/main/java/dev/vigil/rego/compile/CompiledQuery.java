package dev.vigil.rego.compile;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A query after name resolution and ordering.
 *
 * @param body the expressions in evaluation order
 * @param positions for each expression of {@code body}, its position in the query as written
 * @param texts the source text of each expression as written
 * @param vars the variables the query names, in order of appearance
 * @param targets the target of every call in the query, by identity
 * @param functionValues terms of the query that name a function as a {@code with} value
 */
public record CompiledQuery(
    List<Expr> body,
    Map<Expr, Integer> positions,
    List<String> texts,
    List<String> vars,
    Map<Term.Call, CallTarget> targets,
    Set<Term> functionValues) {}
