package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.List;
import java.util.stream.Collectors;

/** Small readers of parsed terms: operator names and a Rego-like rendering for messages. */
final class Terms {

  private Terms() {}

  /** Returns a call's operator as a dotted name, e.g. {@code internal.member_2}. */
  static String operatorName(Term.Call call) {
    return refName(call.operator());
  }

  /** Returns a ref of a var and string keys as a dotted name; other refs as Rego text. */
  static String refName(Term.Ref ref) {
    StringBuilder sb = new StringBuilder();
    sb.append(show(ref.head()));
    for (Term t : ref.path()) {
      if (t instanceof Term.Scalar s
          && s.value() instanceof StringValue sv
          && isIdent(sv.value())) {
        sb.append('.').append(sv.value());
      } else {
        sb.append('[').append(show(t)).append(']');
      }
    }
    return sb.toString();
  }

  /** Renders a term roughly as Rego source, for error messages. */
  static String show(Term t) {
    return switch (t) {
      case Term.Scalar s -> showValue(s.value());
      case Term.Var v -> v.name();
      case Term.Ref r -> refName(r);
      case Term.ArrayTerm a -> "[" + join(a.elements()) + "]";
      case Term.SetTerm s -> s.elements().isEmpty() ? "set()" : "{" + join(s.elements()) + "}";
      case Term.ObjectTerm o ->
          "{"
              + o.entries().stream()
                  .map(e -> show(e.key()) + ": " + show(e.value()))
                  .collect(Collectors.joining(", "))
              + "}";
      case Term.ArrayComprehension c -> "[" + show(c.term()) + " | " + body(c.body()) + "]";
      case Term.SetComprehension c -> "{" + show(c.term()) + " | " + body(c.body()) + "}";
      case Term.ObjectComprehension c ->
          "{" + show(c.key()) + ": " + show(c.value()) + " | " + body(c.body()) + "}";
      case Term.Call c -> refName(c.operator()) + "(" + join(c.args()) + ")";
      case Term.TemplateString ts -> "$\"...\"";
    };
  }

  private static String showValue(Value v) {
    return v.toString();
  }

  private static String join(List<Term> terms) {
    return terms.stream().map(Terms::show).collect(Collectors.joining(", "));
  }

  private static String body(List<Expr> body) {
    return body.stream().map(Expr::text).collect(Collectors.joining("; "));
  }

  static boolean isIdent(String s) {
    if (s.isEmpty() || !Lexer.isLetter(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (!Lexer.isLetter(s.charAt(i)) && !Lexer.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
