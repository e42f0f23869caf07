package dev.vigil.rego.parse;

import dev.vigil.rego.ast.Expr;
import dev.vigil.rego.ast.Term;
import dev.vigil.rego.parse.Token.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * Arrays, sets, objects and their comprehensions. As in OPA, a comprehension is tried first where
 * the text allows one: {@code {a | b}} is a set comprehension, not a set holding {@code a | b};
 * when that reading fails the parser backs up and reads an ordinary collection. {@code {}} is the
 * empty object; the empty set is written {@code set()} and handled with calls.
 */
final class CollectionSyntax {

  private final RegoParser p;

  CollectionSyntax(RegoParser p) {
    this.p = p;
  }

  Term parseArray() {
    Token start = p.cur();
    p.next();
    if (p.cur().kind() == Kind.RBRACK) {
      p.next();
      return new Term.ArrayTerm(List.of(), p.loc(start));
    }
    boolean potentialComprehension = true;
    if (p.cur().kind() == Kind.COMMA) {
      potentialComprehension = false;
      p.next();
    }
    int mark = p.mark();
    int errs = p.errorCount();
    Term head = p.parseTerm();
    if (head == null) {
      return null;
    }
    switch (p.cur().kind()) {
      case RBRACK -> {
        p.next();
        return new Term.ArrayTerm(List.of(head), p.loc(start));
      }
      case COMMA -> {
        p.next();
        List<Term> terms = parseTermList(Kind.RBRACK, listOf(head));
        return terms == null ? null : new Term.ArrayTerm(List.copyOf(terms), p.loc(start));
      }
      case OR -> {
        if (potentialComprehension) {
          p.next();
          List<Expr> body = p.parseBody(Kind.RBRACK);
          if (body != null) {
            p.next();
            return new Term.ArrayComprehension(head, List.copyOf(body), p.loc(start));
          }
          if (p.cur().kind() != Kind.COMMA) {
            return null;
          }
        }
      }
      default -> {}
    }
    p.restore(mark, errs);
    List<Term> terms = parseTermList(Kind.RBRACK, new ArrayList<>());
    return terms == null ? null : new Term.ArrayTerm(List.copyOf(terms), p.loc(start));
  }

  Term parseSetOrObject() {
    Token start = p.cur();
    p.next();
    if (p.cur().kind() == Kind.RBRACE) {
      p.next();
      return new Term.ObjectTerm(List.of(), p.loc(start));
    }
    boolean potentialComprehension = true;
    if (p.cur().kind() == Kind.COMMA) {
      potentialComprehension = false;
      p.next();
    }
    int mark = p.mark();
    int errs = p.errorCount();
    Term head = p.parseTerm();
    if (head == null) {
      return null;
    }
    switch (p.cur().kind()) {
      case OR -> {
        if (potentialComprehension) {
          return parseSet(start, mark, errs, head, true);
        }
      }
      case RBRACE, COMMA -> {
        return parseSet(start, mark, errs, head, potentialComprehension);
      }
      case COLON -> {
        return parseObject(start, head, potentialComprehension);
      }
      default -> {}
    }
    p.restore(mark, errs);
    head = p.parseTermInfixCallInList();
    if (head == null) {
      return null;
    }
    switch (p.cur().kind()) {
      case RBRACE, COMMA -> {
        return parseSet(start, mark, errs, head, false);
      }
      case COLON -> {
        return parseObject(start, head, potentialComprehension);
      }
      default -> {
        p.illegal("non-terminated set");
        return null;
      }
    }
  }

  private Term parseSet(Token start, int mark, int errs, Term head, boolean comprehension) {
    switch (p.cur().kind()) {
      case RBRACE -> {
        p.next();
        return new Term.SetTerm(List.of(head), p.loc(start));
      }
      case COMMA -> {
        p.next();
        List<Term> terms = parseTermList(Kind.RBRACE, listOf(head));
        return terms == null ? null : new Term.SetTerm(List.copyOf(terms), p.loc(start));
      }
      case OR -> {
        if (comprehension) {
          p.next();
          List<Expr> body = p.parseBody(Kind.RBRACE);
          if (body != null) {
            p.next();
            return new Term.SetComprehension(head, List.copyOf(body), p.loc(start));
          }
          if (p.cur().kind() != Kind.COMMA) {
            return null;
          }
        }
        p.restore(mark, errs);
        List<Term> terms = parseTermList(Kind.RBRACE, new ArrayList<>());
        return terms == null ? null : new Term.SetTerm(List.copyOf(terms), p.loc(start));
      }
      default -> {
        return null;
      }
    }
  }

  private Term parseObject(Token start, Term key, boolean comprehension) {
    p.next();
    int mark = p.mark();
    int errs = p.errorCount();
    Term value = p.parseTerm();
    if (value == null) {
      return null;
    }
    boolean potentialRelation = true;
    if (comprehension) {
      Kind k = p.cur().kind();
      if (k == Kind.RBRACE || k == Kind.COMMA || k == Kind.OR) {
        potentialRelation = k == Kind.OR;
        Term term = parseObjectFinish(start, key, value, true);
        if (term != null) {
          return term;
        }
      }
    }
    p.restore(mark, errs);
    if (potentialRelation) {
      value = p.parseTermInfixCallInList();
      if (value == null) {
        return null;
      }
      if (p.cur().kind() == Kind.RBRACE || p.cur().kind() == Kind.COMMA) {
        return parseObjectFinish(start, key, value, false);
      }
    }
    p.illegal("non-terminated object");
    return null;
  }

  private Term parseObjectFinish(Token start, Term key, Term value, boolean comprehension) {
    switch (p.cur().kind()) {
      case RBRACE -> {
        p.next();
        return new Term.ObjectTerm(List.of(new Term.Entry(key, value)), p.loc(start));
      }
      case OR -> {
        if (comprehension) {
          p.next();
          List<Expr> body = p.parseBody(Kind.RBRACE);
          if (body != null) {
            p.next();
            return new Term.ObjectComprehension(key, value, List.copyOf(body), p.loc(start));
          }
        } else {
          p.illegal("non-terminated object");
        }
        return null;
      }
      case COMMA -> {
        p.next();
        List<Term.Entry> entries = new ArrayList<>();
        entries.add(new Term.Entry(key, value));
        if (!parseTermPairList(entries)) {
          return null;
        }
        return new Term.ObjectTerm(List.copyOf(entries), p.loc(start));
      }
      default -> {
        return null;
      }
    }
  }

  List<Term> parseTermList(Kind end, List<Term> terms) {
    if (p.cur().kind() == end) {
      p.next();
      return terms;
    }
    while (true) {
      Term term = p.parseTermInfixCallInList();
      if (term == null) {
        return null;
      }
      terms.add(term);
      if (p.cur().kind() == end) {
        p.next();
        return terms;
      }
      if (p.cur().kind() != Kind.COMMA) {
        p.illegal("expected \",\" or \"" + end.symbol + "\"");
        return null;
      }
      p.next();
      if (p.cur().kind() == end) {
        p.next();
        return terms;
      }
    }
  }

  private boolean parseTermPairList(List<Term.Entry> entries) {
    if (p.cur().kind() == Kind.RBRACE) {
      p.next();
      return true;
    }
    while (true) {
      Term key = p.parseTermInfixCallInList();
      if (key == null) {
        return false;
      }
      if (p.cur().kind() != Kind.COLON) {
        p.illegal("expected \":\"");
        return false;
      }
      p.next();
      Term value = p.parseTermInfixCallInList();
      if (value == null) {
        return false;
      }
      entries.add(new Term.Entry(key, value));
      if (p.cur().kind() == Kind.RBRACE) {
        p.next();
        return true;
      }
      if (p.cur().kind() != Kind.COMMA) {
        p.illegal("expected \",\" or \"}\"");
        return false;
      }
      p.next();
      if (p.cur().kind() == Kind.RBRACE) {
        p.next();
        return true;
      }
    }
  }

  private static List<Term> listOf(Term head) {
    List<Term> l = new ArrayList<>();
    l.add(head);
    return l;
  }
}
