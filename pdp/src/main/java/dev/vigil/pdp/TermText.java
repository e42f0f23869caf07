package dev.vigil.pdp;

import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.StringValue;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Writes terms back as Rego text, for explanations. */
final class TermText {

  private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * A local variable as the compiler renames it ({@code $role_0}): the policy wrote {@code role}.
   */
  private static final Pattern RENAMED = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)_[0-9]+");

  /** A wildcard as the compiler names it ({@code $0}): the policy wrote {@code _}. */
  private static final Pattern WILDCARD = Pattern.compile("\\$[0-9]+");

  private TermText() {}

  static String of(Term t) {
    return switch (t) {
      case Term.Scalar s -> s.value().toString();
      case Term.Var v -> asWritten(v.name());
      case Term.Ref r -> ref(r);
      case Term.Call c ->
          ref(c.operator())
              + "("
              + String.join(", ", c.args().stream().map(TermText::of).toList())
              + ")";
      case Term.ArrayTerm a -> "[" + join(a.elements()) + "]";
      case Term.SetTerm s -> "{" + join(s.elements()) + "}";
      case Term.ObjectTerm o -> "{...}";
      case Term.ArrayComprehension c -> "[...]";
      case Term.SetComprehension c -> "{...}";
      case Term.ObjectComprehension c -> "{...}";
      case Term.TemplateString s -> "$\"...\"";
    };
  }

  private static String asWritten(String var) {
    if (WILDCARD.matcher(var).matches()) {
      return "_";
    }
    Matcher m = RENAMED.matcher(var);
    return m.matches() ? m.group(1) : var;
  }

  private static String join(List<Term> terms) {
    return String.join(", ", terms.stream().map(TermText::of).toList());
  }

  private static String ref(Term.Ref r) {
    StringBuilder sb = new StringBuilder(of(r.head()));
    for (Term p : r.path()) {
      if (p instanceof Term.Scalar s
          && s.value() instanceof StringValue str
          && IDENT.matcher(str.value()).matches()) {
        sb.append('.').append(str.value());
      } else {
        sb.append('[').append(of(p)).append(']');
      }
    }
    return sb.toString();
  }

  /** Returns a ref's constant string segments after its head, or null when not all constant. */
  static List<String> segments(Term.Ref r) {
    List<String> out = new ArrayList<>();
    if (r.head() instanceof Term.Var v && !v.name().equals("data")) {
      out.add(v.name());
    }
    for (Term p : r.path()) {
      if (p instanceof Term.Scalar s && s.value() instanceof StringValue str) {
        out.add(str.value());
      } else {
        return null;
      }
    }
    return out;
  }
}
