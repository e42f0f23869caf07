package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Module;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.parse.Token.Kind;
import dev.vigil.rego.value.StringValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The package clause and imports. A package path becomes a ref rooted at {@code data}; an import
 * must start with {@code data}, {@code input}, {@code future} or {@code rego}. Importing {@code
 * future.keywords[.kw]} reserves keywords from that point of the file, and {@code rego.v1} in a v0
 * file reserves all of them and switches the file to v1 rules; both are no-ops in v1.
 */
final class ClauseSyntax {

  private final RegoParser p;

  ClauseSyntax(RegoParser p) {
    this.p = p;
  }

  RegoParser.PackageStmt parsePackage() {
    if (!p.isKeyword(p.cur(), "package")) {
      return null;
    }
    Token start = p.cur();
    p.next();
    if (p.adjacentRefContinuation()) {
      return null;
    }
    if (p.cur().kind() != Kind.IDENT) {
      p.illegal("");
      return null;
    }
    Term term = p.parseTermAllowingKeyword();
    if (term == null) {
      return null;
    }
    List<Term> path = new ArrayList<>();
    switch (term) {
      case Term.Var v -> path.add(new Term.Scalar(StringValue.of(v.name()), v.location()));
      case Term.Ref r -> {
        if (!(r.head() instanceof Term.Var first)) {
          p.errorAt(
              r.head().location(),
              "unexpected " + RegoParser.valueName(r.head()) + " token: expecting var");
          return null;
        }
        path.add(new Term.Scalar(StringValue.of(first.name()), first.location()));
        for (Term t : r.path()) {
          if (!(t instanceof Term.Scalar s && s.value() instanceof StringValue)) {
            p.errorAt(
                t.location(), "unexpected " + RegoParser.valueName(t) + " token: expecting string");
            return null;
          }
          path.add(t);
        }
      }
      default -> {
        p.illegal("");
        return null;
      }
    }
    Term.Var data = new Term.Var("data", term.location());
    return new RegoParser.PackageStmt(
        new Term.Ref(data, List.copyOf(path), term.location()), p.loc(start));
  }

  RegoParser.ImportStmt parseImport() {
    if (!p.isKeyword(p.cur(), "import")) {
      return null;
    }
    Token start = p.cur();
    p.next();
    if (p.adjacentRefContinuation()) {
      return null;
    }
    if (p.cur().kind() != Kind.IDENT) {
      p.illegal("");
      return null;
    }
    Term term = p.parseTermAllowingKeyword();
    Term.Ref path = null;
    if (term instanceof Term.Var v) {
      path = new Term.Ref(v, List.of(), v.location());
    } else if (term instanceof Term.Ref r) {
      for (Term t : r.path()) {
        if (!(t instanceof Term.Scalar s && s.value() instanceof StringValue)) {
          p.errorAt(
              t.location(), "unexpected " + RegoParser.valueName(t) + " token: expecting string");
          return null;
        }
      }
      path = r;
    }
    if (path == null) {
      if (term != null) {
        p.errorAt(p.loc(p.cur()), "expected path");
      }
      return null;
    }
    String root = path.head() instanceof Term.Var v ? v.name() : "";
    if (!Set.of("data", "input", "future", "rego").contains(root)) {
      p.errorAt(
          path.location(),
          "unexpected import path, must begin with one of: {data, future, input, rego}, got: "
              + Terms.show(path.head())
              + " (hint: if this is unexpected, try updating OPA)");
      return null;
    }
    String alias = null;
    if (p.isKeyword(p.cur(), "as")) {
      p.next();
      if (p.cur().kind() != Kind.IDENT || p.isReserved(p.cur())) {
        p.illegal("expected var");
        return null;
      }
      alias = p.cur().text();
      p.next();
    } else {
      checkImportTail(path);
    }
    Module.Import imp = new Module.Import(path, alias, p.loc(start));
    if (root.equals("rego")) {
      regoImport(imp);
    } else if (root.equals("future")) {
      futureImport(imp);
    }
    return new RegoParser.ImportStmt(imp);
  }

  private void checkImportTail(Term.Ref path) {
    if (path.head() instanceof Term.Var v && v.name().equals("future")) {
      return;
    }
    Term last = path.path().isEmpty() ? path.head() : path.path().get(path.path().size() - 1);
    String name =
        last instanceof Term.Var v
            ? v.name()
            : ((StringValue) ((Term.Scalar) last).value()).value();
    if (RegoParser.BASE_KEYWORDS.contains(name)
        || (!p.options().v0Syntax() && RegoParser.FUTURE_KEYWORDS.contains(name))) {
      p.errorAt(
          last.location(), "unexpected import path, must not end with a keyword, got: " + name);
    }
  }

  private void regoImport(Module.Import imp) {
    List<Term> path = imp.path().path();
    if (path.size() != 1 || !RegoParser.isString(path.get(0), "v1")) {
      p.errorAt(
          imp.path().location(),
          "invalid import `" + Terms.show(imp.path()) + "`, must be `rego.v1`");
      return;
    }
    if (!p.options().v0Syntax()) {
      return;
    }
    if (imp.alias() != null) {
      p.errorAt(imp.path().location(), "`rego` imports cannot be aliased");
      return;
    }
    p.enableRegoV1();
  }

  private void futureImport(Module.Import imp) {
    List<Term> path = imp.path().path();
    if (path.isEmpty() || !RegoParser.isString(path.get(0), "keywords")) {
      p.errorAt(imp.path().location(), "invalid import, must be `future.keywords`");
      return;
    }
    if (imp.alias() != null) {
      p.errorAt(imp.path().location(), "`future` imports cannot be aliased");
      return;
    }
    List<String> allowed = new ArrayList<>(RegoParser.FUTURE_KEYWORDS);
    if (p.options().experimentalKeywords()) {
      allowed.add("and");
      allowed.add("not");
      allowed.add("or");
      allowed.sort(null);
    }
    if (path.size() == 2) {
      String kw = ((StringValue) ((Term.Scalar) path.get(1)).value()).value();
      if (!allowed.contains(kw)) {
        p.errorAt(
            imp.path().location(),
            "unexpected keyword, must be one of [" + String.join(" ", allowed) + "]");
        return;
      }
      p.enableKeyword(kw);
      if (kw.equals("every")) {
        p.enableKeyword("in");
      }
    } else {
      RegoParser.FUTURE_KEYWORDS.forEach(p::enableKeyword);
    }
  }
}
