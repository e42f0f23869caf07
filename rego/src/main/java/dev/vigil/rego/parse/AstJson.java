package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Rule;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.rego.value.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the AST in the JSON shape OPA gives it (as {@code rego.parse_module} returns it): terms
 * as {@code {"type": ..., "value": ...}}, expressions as {@code {"index", "terms"}}, rules as
 * {@code {"head", "body"}}, without locations.
 *
 * <p>Heads carry {@code name} for one- and two-part refs and {@code key} for {@code p[k]}, as OPA's
 * parser fills them in most cases. Known difference: OPA renames each {@code _} to {@code $0},
 * {@code $1}, ... while parsing; Vigil keeps {@code _}, so wildcards show as {@code _}.
 */
public final class AstJson {

  private AstJson() {}

  /** Returns the module as OPA's JSON shows it. */
  public static ObjectValue module(Module m) {
    Map<Value, Value> out = new LinkedHashMap<>();
    put(out, "package", obj("path", refPath(m.packagePath())));
    if (!m.imports().isEmpty()) {
      List<Value> imports = new ArrayList<>();
      for (Module.Import imp : m.imports()) {
        Map<Value, Value> i = new LinkedHashMap<>();
        put(i, "path", term(imp.path()));
        if (imp.alias() != null) {
          put(i, "alias", StringValue.of(imp.alias()));
        }
        imports.add(ObjectValue.wrap(i));
      }
      put(out, "imports", ArrayValue.of(imports));
    }
    if (!m.rules().isEmpty()) {
      put(out, "rules", ArrayValue.of(m.rules().stream().map(AstJson::rule).toList()));
    }
    return ObjectValue.wrap(out);
  }

  /** Returns one rule, with its else chain, as OPA's JSON shows it. */
  public static Value rule(Rule r) {
    Map<Value, Value> out = new LinkedHashMap<>();
    if (r.isDefault()) {
      put(out, "default", BooleanValue.TRUE);
    }
    put(out, "head", head(r.head()));
    put(out, "body", body(r.body()));
    if (r.elseRule() != null) {
      put(out, "else", rule(r.elseRule()));
    }
    return ObjectValue.wrap(out);
  }

  private static Value head(Rule.Head h) {
    Map<Value, Value> out = new LinkedHashMap<>();
    List<Term> path = h.ref().path();
    if (h.ref().head() instanceof Term.Var v && path.size() <= 1) {
      put(out, "name", StringValue.of(v.name()));
    }
    put(out, "ref", refPath(h.ref()));
    if (h.args() != null && !h.args().isEmpty()) {
      put(out, "args", terms(h.args()));
    }
    if (h.key() != null) {
      put(out, "key", term(h.key()));
    } else if (path.size() == 1 && h.args() == null && !RuleSyntax.isGround(path.get(0))) {
      put(out, "key", term(path.get(0)));
    }
    if (h.value() != null) {
      put(out, "value", term(h.value()));
    }
    if (h.assign()) {
      put(out, "assign", BooleanValue.TRUE);
    }
    return ObjectValue.wrap(out);
  }

  /** Returns a body: its expressions with their indexes. */
  public static Value body(List<Expr> body) {
    List<Value> out = new ArrayList<>();
    for (int i = 0; i < body.size(); i++) {
      out.add(expr(body.get(i), i));
    }
    return ArrayValue.of(out);
  }

  /** Returns one expression, at {@code index} of its body. */
  public static Value expr(Expr e, int index) {
    Map<Value, Value> out = new LinkedHashMap<>();
    put(out, "index", NumberValue.of(index));
    if (e.negated()) {
      put(out, "negated", BooleanValue.TRUE);
    }
    Value terms =
        switch (e.kind()) {
          case Expr.TermExpr t -> term(t.term());
          case Expr.CallExpr c -> callTerms(c.call());
          case Expr.SomeDecl s -> obj("symbols", terms(new ArrayList<>(s.vars())));
          case Expr.SomeIn s -> obj("symbols", ArrayValue.of(term(someInCall(s, e))));
          case Expr.Every ev -> every(ev);
          case Expr.Logic l -> logic(l);
        };
    put(out, "terms", terms);
    if (!e.with().isEmpty()) {
      List<Value> with = new ArrayList<>();
      for (Expr.With w : e.with()) {
        with.add(
            ObjectValue.of(
                StringValue.of("target"),
                term(w.target()),
                StringValue.of("value"),
                term(w.value())));
      }
      put(out, "with", ArrayValue.of(with));
    }
    return ObjectValue.wrap(out);
  }

  private static Term.Call someInCall(Expr.SomeIn s, Expr e) {
    String name = s.key() == null ? "member_2" : "member_3";
    Term.Ref op =
        new Term.Ref(
            new Term.Var("internal", e.location()),
            List.of(new Term.Scalar(StringValue.of(name), e.location())),
            e.location());
    List<Term> args = new ArrayList<>();
    if (s.key() != null) {
      args.add(s.key());
    }
    args.add(s.value());
    args.add(s.collection());
    return new Term.Call(op, args, e.location());
  }

  private static Value every(Expr.Every ev) {
    Map<Value, Value> out = new LinkedHashMap<>();
    if (ev.key() != null) {
      put(out, "key", term(ev.key()));
    }
    put(out, "value", term(ev.value()));
    put(out, "domain", term(ev.domain()));
    put(out, "body", body(ev.body()));
    return ObjectValue.wrap(out);
  }

  private static Value logic(Expr.Logic l) {
    return ObjectValue.of(
        StringValue.of("operator"), StringValue.of(l.isAnd() ? "and" : "or"),
        StringValue.of("lhs"), body(l.left()),
        StringValue.of("rhs"), body(l.right()));
  }

  private static Value callTerms(Term.Call c) {
    List<Value> out = new ArrayList<>();
    out.add(term(c.operator()));
    c.args().forEach(a -> out.add(term(a)));
    return ArrayValue.of(out);
  }

  /** Returns one term as {@code {"type": ..., "value": ...}}. */
  public static Value term(Term t) {
    return switch (t) {
      case Term.Scalar s -> typed(s.value().typeName(), s.value());
      case Term.Var v -> typed("var", StringValue.of(v.name()));
      case Term.Ref r -> typed("ref", refPath(r));
      case Term.ArrayTerm a -> typed("array", terms(a.elements()));
      case Term.SetTerm s -> {
        List<Value> elems = new ArrayList<>(s.elements().stream().map(AstJson::term).toList());
        elems.sort(Values::compare);
        yield typed("set", ArrayValue.of(elems));
      }
      case Term.ObjectTerm o -> {
        List<Value> pairs = new ArrayList<>();
        for (Term.Entry e : o.entries()) {
          pairs.add(ArrayValue.of(term(e.key()), term(e.value())));
        }
        yield typed("object", ArrayValue.of(pairs));
      }
      case Term.ArrayComprehension c ->
          typed("arraycomprehension", comprehension(c.term(), c.body()));
      case Term.SetComprehension c -> typed("setcomprehension", comprehension(c.term(), c.body()));
      case Term.ObjectComprehension c ->
          typed(
              "objectcomprehension",
              ObjectValue.of(
                  StringValue.of("key"), term(c.key()),
                  StringValue.of("value"), term(c.value()),
                  StringValue.of("body"), body(c.body())));
      case Term.Call c -> typed("call", callTerms(c));
      case Term.TemplateString ts -> typed("templatestring", terms(ts.parts()));
    };
  }

  private static Value comprehension(Term head, List<Expr> body) {
    return ObjectValue.of(StringValue.of("term"), term(head), StringValue.of("body"), body(body));
  }

  private static Value refPath(Term.Ref r) {
    List<Value> out = new ArrayList<>();
    out.add(term(r.head()));
    r.path().forEach(p -> out.add(term(p)));
    return ArrayValue.of(out);
  }

  private static Value terms(List<? extends Term> ts) {
    return ArrayValue.of(ts.stream().map(AstJson::term).toList());
  }

  private static Value typed(String type, Value value) {
    return ObjectValue.of(
        StringValue.of("type"),
        StringValue.of(type),
        StringValue.of("value"),
        value == null ? NullValue.NULL : value);
  }

  private static Value obj(String key, Value value) {
    return ObjectValue.of(StringValue.of(key), value);
  }

  private static void put(Map<Value, Value> m, String key, Value value) {
    m.put(StringValue.of(key), value);
  }
}
