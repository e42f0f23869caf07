package dev.vigil.rego.builtins;

import dev.vigil.rego.RegoException;
import dev.vigil.rego.parse.AstJson;
import dev.vigil.rego.parse.Parser;
import dev.vigil.rego.parse.ParserOptions;
import java.util.List;

/** Builtins of the RegoParse family: {@code rego.parse_module}. */
final class RegoParseBuiltins {

  private RegoParseBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "rego.parse_module",
        List.of(Type.STRING, Type.STRING),
        Type.object(Type.STRING, Type.ANY),
        "Parses a Rego module (v1 syntax) and returns its AST as OPA's JSON form.",
        (ctx, args) -> {
          String file = Operands.string(args, 0);
          String source = Operands.string(args, 1);
          try {
            return AstJson.module(Parser.parseModule(file, source, ParserOptions.v1()));
          } catch (RegoException e) {
            throw BuiltinException.error(e.getMessage());
          }
        });
  }
}
