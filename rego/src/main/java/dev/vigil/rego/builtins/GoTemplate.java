package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.NullValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Renders templates in the language of Go's {@code text/template}, for {@code
 * strings.render_template}.
 *
 * <p>Supported: text, comments, trim markers ({@code {{-} and {@code -}}}), pipelines with {@code
 * |}, fields ({@code .a.b}), variables ({@code $x}, {@code $x := ...}, {@code $x = ...}), string,
 * number, boolean and nil literals, parenthesised pipelines, {@code if}/{@code else if}/{@code
 * else}, {@code range} (with index and element variables, and {@code else}), {@code with}, {@code
 * break}, {@code continue}, and the functions {@code and or not len index eq ne lt le gt ge print
 * printf println html urlquery}. A key missing from the variables renders as {@code <undefined>},
 * as OPA renders it. {@code define}, {@code template} and {@code block} are refused with an error
 * that says so.
 *
 * <p>Variables arrive as OPA hands them to Go: numbers are {@code json.Number}, a string type, so
 * they are always true in {@code if} and compare as text.
 */
final class GoTemplate {

  /** The value of a key that the variables do not have. */
  private static final Object UNDEFINED = new Object();

  /** The loop-control signals of {@code break} and {@code continue}. */
  private static final class LoopSignal extends RuntimeException {
    final boolean isBreak;

    LoopSignal(boolean isBreak) {
      super(null, null, false, false);
      this.isBreak = isBreak;
    }
  }

  private static final int MAX_OUTPUT = 16 * 1024 * 1024;
  private static final int MAX_NESTING = 1000;
  private static final long MAX_RANGE = 1_000_000;

  private GoTemplate() {}

  /** Renders the template, charging {@code ctx} a unit per element each range visits. */
  static String render(BuiltinContext ctx, String template, ObjectValue vars) {
    List<Node> nodes = new Parser(template).parseAll();
    Exec exec = new Exec(ctx, vars);
    exec.run(nodes);
    return exec.out.toString();
  }

  static BuiltinException error(String message) {
    return BuiltinException.error("template: template: " + message);
  }

  // ---- syntax tree ----

  sealed interface Node permits Text, Action, If, Range, With, Loop {}

  record Text(String text) implements Node {}

  /** A pipeline: optional declared variables, then commands joined by |. */
  record Pipe(List<String> vars, boolean declare, List<List<Term>> commands) {}

  record Action(Pipe pipe) implements Node {}

  record If(Pipe pipe, List<Node> then, List<Node> otherwise) implements Node {}

  record Range(Pipe pipe, List<Node> body, List<Node> otherwise) implements Node {}

  record With(Pipe pipe, List<Node> body, List<Node> otherwise) implements Node {}

  record Loop(boolean isBreak) implements Node {}

  sealed interface Term permits Literal, Field, Variable, Ident, Sub {}

  record Literal(Object value) implements Term {}

  /** A field chain on dot ({@code .a.b}) or on a term ({@code $x.a}, {@code (pipe).a}). */
  record Field(Term base, List<String> names) implements Term {}

  record Variable(String name) implements Term {}

  record Ident(String name) implements Term {}

  record Sub(Pipe pipe) implements Term {}

  // ---- parser ----

  private static final class Parser {
    private final String src;
    private int pos;
    private String pendingKeyword;
    private Pipe pendingPipe;
    private final List<String> actionTokens = new ArrayList<>();
    private int tokenPos;
    private boolean trimNext;
    private int nesting;

    Parser(String src) {
      this.src = src;
    }

    List<Node> parseAll() {
      List<Node> nodes = parseList();
      if (pendingKeyword != null) {
        throw error("unexpected {{" + pendingKeyword + "}}");
      }
      return nodes;
    }

    /** Parses nodes until end of input or a control keyword (end, else), left in pending. */
    private List<Node> parseList() {
      List<Node> nodes = new ArrayList<>();
      while (pos < src.length()) {
        int open = src.indexOf("{{", pos);
        String text = open < 0 ? src.substring(pos) : src.substring(pos, open);
        if (trimNext) {
          text = stripLeading(text);
        }
        boolean trimBefore = open >= 0 && src.startsWith("{{- ", open);
        if (trimBefore
            || (open >= 0 && src.startsWith("{{-\t", open))
            || (open >= 0 && src.startsWith("{{-\n", open))) {
          text = stripTrailing(text);
          trimBefore = true;
        }
        if (!text.isEmpty()) {
          nodes.add(new Text(text));
        }
        if (open < 0) {
          pos = src.length();
          break;
        }
        int start = open + (trimBefore ? 3 : 2);
        int close = findClose(start);
        boolean trimAfter =
            close > start
                && src.charAt(close - 1) == '-'
                && close - 2 >= start
                && Character.isWhitespace(src.charAt(close - 2));
        String body = src.substring(start, trimAfter ? close - 1 : close).strip();
        pos = close + 2;
        trimNext = trimAfter;
        if (body.startsWith("/*")) {
          if (!body.endsWith("*/")) {
            throw error("unclosed comment");
          }
          continue;
        }
        Node n = parseAction(body);
        if (n == null) {
          return nodes;
        }
        nodes.add(n);
      }
      return nodes;
    }

    private int findClose(int from) {
      int i = from;
      while (i < src.length()) {
        char c = src.charAt(i);
        if (c == '"' || c == '`' || c == '\'') {
          int j = i + 1;
          while (j < src.length() && src.charAt(j) != c) {
            j += src.charAt(j) == '\\' && c != '`' ? 2 : 1;
          }
          i = j + 1;
          continue;
        }
        if (src.startsWith("}}", i)) {
          return i;
        }
        i++;
      }
      throw error("unclosed action");
    }

    private Node parseAction(String body) {
      tokenize(body);
      if (actionTokens.isEmpty()) {
        throw error("missing value for command");
      }
      String first = actionTokens.get(0);
      switch (first) {
        case "end", "else" -> {
          pendingKeyword = first;
          tokenPos = 1;
          pendingPipe = null;
          if (first.equals("else") && tokenPos < actionTokens.size()) {
            pendingKeyword = "else " + actionTokens.get(tokenPos);
            tokenPos++;
            pendingPipe = parsePipe();
          }
          return null;
        }
        case "if", "range", "with" -> {
          tokenPos = 1;
          Pipe pipe = parsePipe();
          return parseControl(first, pipe);
        }
        case "break", "continue" -> {
          return new Loop(first.equals("break"));
        }
        case "define", "template", "block" ->
            throw BuiltinException.error(
                "template: {{" + first + "}} is not supported by strings.render_template");
        default -> {
          tokenPos = 0;
          return new Action(parsePipe());
        }
      }
    }

    private Node parseControl(String keyword, Pipe pipe) {
      if (++nesting > MAX_NESTING) {
        throw error("actions are nested more than " + MAX_NESTING + " deep");
      }
      List<Node> body = parseList();
      String kw = pendingKeyword;
      Pipe elsePipe = pendingPipe;
      pendingKeyword = null;
      pendingPipe = null;
      if (kw == null) {
        throw error("unexpected EOF");
      }
      List<Node> otherwise = List.of();
      if (kw.startsWith("else ")) {
        String chained = kw.substring(5);
        if (!chained.equals(keyword) && !(chained.equals("if") || chained.equals("with"))) {
          throw error("unexpected " + chained + " after else");
        }
        otherwise = List.of(parseControl(chained, elsePipe));
      } else if (kw.equals("else")) {
        otherwise = parseList();
        if (!"end".equals(pendingKeyword)) {
          throw error("expected end; found " + pendingKeyword);
        }
        pendingKeyword = null;
      }
      nesting--;
      return switch (keyword) {
        case "if" -> new If(pipe, body, otherwise);
        case "range" -> new Range(pipe, body, otherwise);
        default -> new With(pipe, body, otherwise);
      };
    }

    private void tokenize(String body) {
      actionTokens.clear();
      int i = 0;
      while (i < body.length()) {
        char c = body.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
          continue;
        }
        int j = i + 1;
        if (c == '"' || c == '`' || c == '\'') {
          while (j < body.length() && body.charAt(j) != c) {
            j += body.charAt(j) == '\\' && c != '`' ? 2 : 1;
          }
          j = Math.min(j + 1, body.length());
        } else if (c == '(' || c == ')' || c == '|' || c == ',') {
          j = i + 1;
        } else if (c == ':' || c == '=') {
          j = body.startsWith(":=", i) ? i + 2 : i + 1;
        } else {
          while (j < body.length()
              && !Character.isWhitespace(body.charAt(j))
              && "()|,=".indexOf(body.charAt(j)) < 0
              && !body.startsWith(":=", j)) {
            j++;
          }
        }
        actionTokens.add(body.substring(i, j));
        i = j;
      }
    }

    private Pipe parsePipe() {
      List<String> vars = new ArrayList<>();
      boolean declare = false;
      int save = tokenPos;
      while (tokenPos < actionTokens.size() && actionTokens.get(tokenPos).startsWith("$")) {
        vars.add(actionTokens.get(tokenPos));
        tokenPos++;
        if (tokenPos < actionTokens.size() && actionTokens.get(tokenPos).equals(",")) {
          tokenPos++;
          continue;
        }
        break;
      }
      if (!vars.isEmpty()
          && tokenPos < actionTokens.size()
          && (actionTokens.get(tokenPos).equals(":=") || actionTokens.get(tokenPos).equals("="))) {
        declare = actionTokens.get(tokenPos).equals(":=");
        tokenPos++;
      } else {
        vars.clear();
        tokenPos = save;
      }
      List<List<Term>> commands = new ArrayList<>();
      List<Term> cmd = new ArrayList<>();
      while (tokenPos < actionTokens.size() && !actionTokens.get(tokenPos).equals(")")) {
        String t = actionTokens.get(tokenPos);
        if (t.equals("|")) {
          if (cmd.isEmpty()) {
            throw error("missing command");
          }
          commands.add(cmd);
          cmd = new ArrayList<>();
          tokenPos++;
          continue;
        }
        cmd.add(parseTerm());
      }
      if (cmd.isEmpty()) {
        throw error("missing value for command");
      }
      commands.add(cmd);
      return new Pipe(vars, declare, commands);
    }

    private Term parseTerm() {
      String t = actionTokens.get(tokenPos++);
      Term base;
      if (t.equals("(")) {
        Pipe p = parsePipe();
        if (tokenPos >= actionTokens.size() || !actionTokens.get(tokenPos).equals(")")) {
          throw error("unclosed left paren");
        }
        tokenPos++;
        base = new Sub(p);
        if (tokenPos < actionTokens.size() && actionTokens.get(tokenPos).startsWith(".")) {
          return new Field(base, fieldNames(actionTokens.get(tokenPos++)));
        }
        return base;
      }
      if (t.equals(".")) {
        return new Field(null, List.of());
      }
      if (t.startsWith(".")) {
        return new Field(null, fieldNames(t));
      }
      if (t.startsWith("$")) {
        int dot = t.indexOf('.');
        if (dot < 0) {
          return new Variable(t);
        }
        return new Field(new Variable(t.substring(0, dot)), fieldNames(t.substring(dot)));
      }
      if (t.startsWith("\"")) {
        return new Literal(StringValue.of(unquote(t)));
      }
      if (t.startsWith("`")) {
        return new Literal(StringValue.of(t.substring(1, t.length() - 1)));
      }
      if (t.startsWith("'")) {
        String s = unquote("\"" + t.substring(1, t.length() - 1) + "\"");
        return new Literal((long) s.codePointAt(0));
      }
      switch (t) {
        case "true", "false" -> {
          return new Literal(BooleanValue.of(t.equals("true")));
        }
        case "nil" -> {
          return new Literal(NullValue.NULL);
        }
        default -> {}
      }
      if (t.matches("[+-]?[0-9].*")) {
        try {
          return new Literal(Long.parseLong(t));
        } catch (NumberFormatException e) {
          try {
            return new Literal(Double.parseDouble(t));
          } catch (NumberFormatException e2) {
            throw error("bad number syntax: \"" + t + "\"");
          }
        }
      }
      if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        return new Ident(t);
      }
      throw error("unexpected \"" + t + "\" in command");
    }

    private static List<String> fieldNames(String chain) {
      List<String> names = new ArrayList<>();
      for (String part : chain.substring(1).split("\\.", -1)) {
        if (part.isEmpty()) {
          throw error("unexpected . in operand");
        }
        names.add(part);
      }
      return names;
    }

    private static String unquote(String t) {
      if (t.length() < 2 || !t.endsWith("\"")) {
        throw error("unterminated quoted string");
      }
      StringBuilder b = new StringBuilder();
      for (int i = 1; i < t.length() - 1; i++) {
        char c = t.charAt(i);
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = t.charAt(++i);
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case '\\', '"', '\'' -> b.append(e);
          case 'u' -> {
            b.appendCodePoint(Integer.parseInt(t.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> throw error("invalid syntax in quoted string");
        }
      }
      return b.toString();
    }

    private static String stripLeading(String s) {
      int i = 0;
      while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
        i++;
      }
      return s.substring(i);
    }

    private static String stripTrailing(String s) {
      int i = s.length();
      while (i > 0 && Character.isWhitespace(s.charAt(i - 1))) {
        i--;
      }
      return s.substring(0, i);
    }
  }

  // ---- execution ----

  private static final class Exec {
    final StringBuilder out = new StringBuilder();
    final Deque<Object[]> vars = new ArrayDeque<>();
    final BuiltinContext ctx;
    Object dot;

    Exec(BuiltinContext ctx, ObjectValue data) {
      this.ctx = ctx;
      dot = data;
      vars.push(new Object[] {"$", data});
    }

    void run(List<Node> nodes) {
      for (Node n : nodes) {
        runNode(n);
      }
    }

    private void runNode(Node n) {
      switch (n) {
        case Text t -> write(t.text());
        case Action a -> {
          Object v = pipe(a.pipe());
          if (a.pipe().vars().isEmpty()) {
            write(print(v, ctx::charge));
          }
        }
        case If i -> scoped(() -> run(truthy(pipe(i.pipe())) ? i.then() : i.otherwise()));
        case With w ->
            scoped(
                () -> {
                  Object v = pipe(w.pipe());
                  if (truthy(v)) {
                    Object saved = dot;
                    dot = v;
                    run(w.body());
                    dot = saved;
                  } else {
                    run(w.otherwise());
                  }
                });
        case Range r -> scoped(() -> range(r));
        case Loop l -> throw new LoopSignal(l.isBreak());
      }
    }

    private void scoped(Runnable body) {
      int depth = vars.size();
      try {
        body.run();
      } finally {
        while (vars.size() > depth) {
          vars.pop();
        }
      }
    }

    private void range(Range r) {
      Pipe p = r.pipe();
      Object v = pipe(new Pipe(List.of(), false, p.commands()));
      List<Object[]> items = new ArrayList<>();
      switch (v) {
        case ArrayValue a -> {
          for (int i = 0; i < a.size(); i++) {
            items.add(new Object[] {(long) i, a.get(i)});
          }
        }
        case SetValue s -> {
          for (int i = 0; i < s.size(); i++) {
            items.add(new Object[] {(long) i, s.elements(ctx::charge).get(i)});
          }
        }
        case ObjectValue o -> {
          for (Value k : o.keys(ctx::charge)) {
            items.add(new Object[] {k, o.get(k)});
          }
        }
        case Long n -> {
          if (n > MAX_RANGE) {
            throw BuiltinException.limit(
                "template: range over " + n + " is longer than the limit of " + MAX_RANGE);
          }
          for (long i = 0; i < n; i++) {
            items.add(new Object[] {i, i});
          }
        }
        default -> {
          if (v != UNDEFINED && !(v instanceof NullValue)) {
            throw error("range can't iterate over " + print(v, ctx::charge));
          }
        }
      }
      if (items.isEmpty()) {
        run(r.otherwise());
        return;
      }
      Object saved = dot;
      try {
        for (Object[] item : items) {
          // Nested ranges multiply: a million by a million writes nothing yet runs for hours.
          ctx.charge(1);
          int depth = vars.size();
          if (p.vars().size() == 1) {
            vars.push(new Object[] {p.vars().get(0), item[1]});
          } else if (p.vars().size() >= 2) {
            vars.push(new Object[] {p.vars().get(0), item[0]});
            vars.push(new Object[] {p.vars().get(1), item[1]});
          }
          dot = item[1];
          try {
            run(r.body());
          } catch (LoopSignal s) {
            if (s.isBreak) {
              break;
            }
          } finally {
            while (vars.size() > depth) {
              vars.pop();
            }
          }
        }
      } finally {
        dot = saved;
      }
    }

    private void write(String s) {
      ctx.checkSize("strings.render_template", 1L + out.length() + s.length());
      if (out.length() + s.length() > MAX_OUTPUT) {
        throw BuiltinException.limit("template output is longer than " + MAX_OUTPUT + " bytes");
      }
      out.append(s);
    }

    private Object pipe(Pipe p) {
      Object value = null;
      boolean first = true;
      for (List<Term> cmd : p.commands()) {
        value = command(cmd, first ? null : new Object[] {value});
        first = false;
      }
      for (String name : p.vars()) {
        if (p.declare()) {
          vars.push(new Object[] {name, value});
        } else {
          lookupVar(name)[1] = value;
        }
      }
      return value;
    }

    private Object command(List<Term> cmd, Object[] piped) {
      Term head = cmd.get(0);
      if (head instanceof Ident id) {
        List<Object> args = new ArrayList<>();
        for (int i = 1; i < cmd.size(); i++) {
          args.add(eval(cmd.get(i)));
        }
        if (piped != null) {
          args.add(piped[0]);
        }
        return call(id.name(), args);
      }
      if (cmd.size() > 1 || piped != null) {
        throw error("can't give argument to non-function " + describe(head));
      }
      return eval(head);
    }

    private static String describe(Term t) {
      return switch (t) {
        case Field f -> "." + String.join(".", f.names());
        case Variable v -> v.name();
        default -> "operand";
      };
    }

    private Object eval(Term t) {
      return switch (t) {
        case Literal l -> l.value();
        case Variable v -> lookupVar(v.name())[1];
        case Sub s -> pipe(s.pipe());
        case Ident i -> call(i.name(), List.of());
        case Field f -> {
          Object v = f.base() == null ? dot : eval(f.base());
          for (String name : f.names()) {
            v = field(v, name);
          }
          yield v;
        }
      };
    }

    private Object[] lookupVar(String name) {
      for (Object[] v : vars) {
        if (v[0].equals(name)) {
          return v;
        }
      }
      throw error("undefined variable: " + name);
    }

    private static Object field(Object v, String name) {
      if (v == UNDEFINED) {
        return UNDEFINED;
      }
      if (v instanceof ObjectValue o) {
        Value got = o.get(name);
        return got == null ? UNDEFINED : got;
      }
      if (v instanceof NullValue) {
        throw error("nil pointer evaluating interface {}." + name);
      }
      throw error("can't evaluate field " + name + " in type " + goType(v));
    }

    private Object call(String name, List<Object> args) {
      return switch (name) {
        case "and" -> {
          arity(name, args, 1, Integer.MAX_VALUE);
          Object last = null;
          for (Object a : args) {
            last = a;
            if (!truthy(a)) {
              break;
            }
          }
          yield last;
        }
        case "or" -> {
          arity(name, args, 1, Integer.MAX_VALUE);
          Object last = null;
          for (Object a : args) {
            last = a;
            if (truthy(a)) {
              break;
            }
          }
          yield last;
        }
        case "not" -> {
          arity(name, args, 1, 1);
          yield BooleanValue.of(!truthy(args.get(0)));
        }
        case "len" -> {
          arity(name, args, 1, 1);
          yield length(args.get(0));
        }
        case "index" -> {
          arity(name, args, 1, Integer.MAX_VALUE);
          Object v = args.get(0);
          for (int i = 1; i < args.size(); i++) {
            v = index(v, args.get(i));
          }
          yield v;
        }
        case "eq" -> {
          arity(name, args, 2, Integer.MAX_VALUE);
          boolean any = false;
          for (int i = 1; i < args.size(); i++) {
            any |= compare(args.get(0), args.get(i)) == 0;
          }
          yield BooleanValue.of(any);
        }
        case "ne" -> binary(name, args, c -> c != 0);
        case "lt" -> binary(name, args, c -> c < 0);
        case "le" -> binary(name, args, c -> c <= 0);
        case "gt" -> binary(name, args, c -> c > 0);
        case "ge" -> binary(name, args, c -> c >= 0);
        case "print" -> StringValue.of(sprint(args, false));
        case "println" -> StringValue.of(sprint(args, true) + "\n");
        case "printf" -> {
          arity(name, args, 1, Integer.MAX_VALUE);
          List<Object> fargs = new ArrayList<>();
          for (int i = 1; i < args.size(); i++) {
            fargs.add(goArg(args.get(i)));
          }
          // A format that repeats or pads an argument stops at the limit, not after it.
          yield StringValue.of(
              Sprintf.format(
                  print(args.get(0), ctx::charge),
                  fargs,
                  TextGrowth.of(ctx, "strings.render_template")));
        }
        case "html" -> StringValue.of(html(sprint(args, false)));
        case "urlquery" ->
            StringValue.of(URLEncoder.encode(sprint(args, false), StandardCharsets.UTF_8));
        default -> throw error("function \"" + name + "\" not defined");
      };
    }

    private static void arity(String name, List<Object> args, int min, int max) {
      if (args.size() < min || args.size() > max) {
        throw error("wrong number of args for " + name + ": got " + args.size());
      }
    }

    private static Object binary(
        String name, List<Object> args, java.util.function.IntPredicate test) {
      arity(name, args, 2, 2);
      return BooleanValue.of(test.test(compare(args.get(0), args.get(1))));
    }

    private static int compare(Object a, Object b) {
      if (a instanceof Long x && b instanceof Long y) {
        return Long.compare(x, y);
      }
      if ((a instanceof Long || a instanceof Double)
          && (b instanceof Long || b instanceof Double)) {
        return Double.compare(((Number) a).doubleValue(), ((Number) b).doubleValue());
      }
      if (a instanceof Value x && b instanceof Value y && x.kindOrder() == y.kindOrder()) {
        if (x instanceof NumberValue) {
          return x.toString().compareTo(y.toString());
        }
        return x.compareTo(y);
      }
      if (a == UNDEFINED || b == UNDEFINED) {
        return a == b ? 0 : 1;
      }
      throw error("incompatible types for comparison");
    }

    private static Object length(Object v) {
      return switch (v) {
        case StringValue s -> (long) s.value().getBytes(StandardCharsets.UTF_8).length;
        case NumberValue n -> (long) n.toString().length();
        case ArrayValue a -> (long) a.size();
        case SetValue s -> (long) s.size();
        case ObjectValue o -> (long) o.size();
        default -> throw error("len of type " + goType(v));
      };
    }

    private static Object index(Object v, Object key) {
      if (v instanceof ArrayValue a && key instanceof Long i) {
        if (i < 0 || i >= a.size()) {
          throw error("index out of range: " + i);
        }
        return a.get(i.intValue());
      }
      if (v instanceof ObjectValue o && key instanceof StringValue k) {
        Value got = o.get(k);
        return got == null ? NullValue.NULL : got;
      }
      throw error("can't index item of type " + goType(v));
    }

    private String sprint(List<Object> args, boolean spaces) {
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < args.size(); i++) {
        boolean isString = args.get(i) instanceof StringValue || args.get(i) instanceof NumberValue;
        boolean prevString =
            i > 0
                && (args.get(i - 1) instanceof StringValue
                    || args.get(i - 1) instanceof NumberValue);
        if (i > 0 && (spaces || (!isString && !prevString))) {
          b.append(' ');
        }
        b.append(print(args.get(i), ctx::charge));
      }
      return b.toString();
    }

    private Object goArg(Object v) {
      return switch (v) {
        case Long l -> l;
        case Double d -> d;
        case StringValue s -> s.value();
        case NumberValue n -> new Sprintf.NamedString("json.Number", n.toString());
        default -> print(v, ctx::charge);
      };
    }

    private static String html(String s) {
      StringBuilder b = new StringBuilder();
      for (char c : s.toCharArray()) {
        switch (c) {
          case '<' -> b.append("&lt;");
          case '>' -> b.append("&gt;");
          case '&' -> b.append("&amp;");
          case '\'' -> b.append("&#39;");
          case '"' -> b.append("&#34;");
          case 0 -> b.append('\uFFFD');
          default -> b.append(c);
        }
      }
      return b.toString();
    }
  }

  static boolean truthy(Object v) {
    return switch (v) {
      case BooleanValue b -> b.value();
      case NullValue n -> false;
      case StringValue s -> !s.value().isEmpty();
      case NumberValue n -> true;
      case ArrayValue a -> a.size() > 0;
      case SetValue s -> s.size() > 0;
      case ObjectValue o -> o.size() > 0;
      case Long l -> l != 0;
      case Double d -> d != 0;
      default -> false;
    };
  }

  /**
   * Prints a value as Go's fmt.Print prints the Go value OPA converts it to, telling {@code charge}
   * the work of sorting sets and objects' keys.
   */
  static String print(Object v, LongConsumer charge) {
    if (v == UNDEFINED) {
      return "<undefined>";
    }
    return switch (v) {
      case null -> "<no value>";
      case StringValue s -> s.value();
      case NumberValue n -> n.toString();
      case BooleanValue b -> Boolean.toString(b.value());
      case NullValue n -> "<nil>";
      case ArrayValue a -> {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < a.size(); i++) {
          b.append(i > 0 ? " " : "").append(print(a.get(i), charge));
        }
        yield b.append(']').toString();
      }
      case SetValue s -> print(ArrayValue.of(s.elements(charge)), charge);
      case ObjectValue o -> {
        StringBuilder b = new StringBuilder("map[");
        boolean first = true;
        for (Value k : o.keys(charge)) {
          b.append(first ? "" : " ").append(print(k, charge)).append(':');
          b.append(print(o.get(k), charge));
          first = false;
        }
        yield b.append(']').toString();
      }
      case Double d ->
          Sprintf.formatFloatNumber(Math.abs(d), 'g', -1).transform(s -> d < 0 ? "-" + s : s);
      default -> v.toString();
    };
  }

  private static String goType(Object v) {
    return switch (v) {
      case StringValue s -> "string";
      case NumberValue n -> "json.Number";
      case BooleanValue b -> "bool";
      case ArrayValue a -> "[]interface {}";
      case SetValue s -> "[]interface {}";
      case ObjectValue o -> "map[string]interface {}";
      case Long l -> "int";
      case Double d -> "float64";
      default -> "interface {}";
    };
  }
}
