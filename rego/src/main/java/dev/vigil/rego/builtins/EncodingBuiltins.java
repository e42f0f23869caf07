package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Builtins of the Encoding family: base64, base64url, hex, JSON, YAML and URL query strings, each
 * giving the results and error texts of OPA 1.x (which come from Go's standard library).
 */
final class EncodingBuiltins {

  private EncodingBuiltins() {}

  private static final Type STRING = Type.STRING;
  private static final Type BOOLEAN = Type.BOOLEAN;

  static void register(BuiltinRegistry r) {
    registerBase64(r);
    registerHex(r);
    registerJson(r);
    registerYaml(r);
    registerUrlQuery(r);
  }

  private static void registerBase64(BuiltinRegistry r) {
    r.register(
        "base64.encode",
        List.of(STRING),
        STRING,
        "Serializes the input string into base64 encoding.",
        (ctx, a) -> str(Base64.getEncoder().encodeToString(bytes(a, 0))));
    r.register(
        "base64.decode",
        List.of(STRING),
        STRING,
        "Deserializes the base64 encoded input string.",
        (ctx, a) -> str(decoded(() -> EncodingBase64.decodeStd(Operands.string(a, 0)))));
    r.register(
        "base64.is_valid",
        List.of(Type.ANY),
        BOOLEAN,
        "Verifies the input string is base64 encoded.",
        (ctx, a) -> BooleanValue.of(a[0] instanceof StringValue s && isBase64(s.value())));
    r.register(
        "base64url.encode",
        List.of(STRING),
        STRING,
        "Serializes the input string into base64url encoding.",
        (ctx, a) -> str(Base64.getUrlEncoder().encodeToString(bytes(a, 0))));
    r.register(
        "base64url.encode_no_pad",
        List.of(STRING),
        STRING,
        "Serializes the input string into base64url encoding without padding.",
        (ctx, a) -> str(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(a, 0))));
    r.register(
        "base64url.decode",
        List.of(STRING),
        STRING,
        "Deserializes the base64url encoded input string, with or without padding.",
        (ctx, a) -> str(decoded(() -> EncodingBase64.decodeUrl(padded(Operands.string(a, 0))))));
  }

  private static boolean isBase64(String s) {
    try {
      EncodingBase64.decodeStd(s);
      return true;
    } catch (EncodingBase64.CorruptInputException e) {
      return false;
    }
  }

  /** Adds the padding some encoders omit (RFC 7515 appendix C), as OPA does. */
  private static String padded(String s) {
    if (s.endsWith("=")) {
      return s;
    }
    return switch (s.length() % 4) {
      case 0 -> s;
      case 2 -> s + "==";
      case 3 -> s + "=";
      default -> throw BuiltinException.error("illegal base64url string: " + s);
    };
  }

  private static String decoded(java.util.function.Supplier<byte[]> decode) {
    try {
      return new String(decode.get(), StandardCharsets.UTF_8);
    } catch (EncodingBase64.CorruptInputException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  private static void registerHex(BuiltinRegistry r) {
    r.register(
        "hex.encode",
        List.of(STRING),
        STRING,
        "Serializes the input string using hex-encoding.",
        (ctx, a) -> str(HexFormat.of().formatHex(bytes(a, 0))));
    r.register(
        "hex.decode",
        List.of(STRING),
        STRING,
        "Deserializes the hex-encoded input string.",
        (ctx, a) -> str(hexDecode(Operands.string(a, 0))));
  }

  /** Decodes hex as Go's {@code hex.DecodeString}, naming the first bad byte. */
  private static String hexDecode(String s) {
    byte[] src = s.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[src.length / 2];
    int i = 0;
    for (; i + 1 < src.length; i += 2) {
      int hi = hexDigit(src[i]);
      int lo = hexDigit(src[i + 1]);
      out[i / 2] = (byte) (hi << 4 | lo);
    }
    if (src.length % 2 == 1) {
      hexDigit(src[i]);
      throw BuiltinException.error("encoding/hex: odd length hex string");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private static int hexDigit(byte b) {
    int c = b & 0xff;
    int d = c < 0x80 ? Character.digit(c, 16) : -1;
    if (d < 0) {
      String shown = EncodingGoQuote.isPrint(c) ? " '" + (char) c + "'" : "";
      throw BuiltinException.error(
          "encoding/hex: invalid byte: " + String.format("U+%04X", c) + shown);
    }
    return d;
  }

  private static void registerJson(BuiltinRegistry r) {
    r.register(
        "json.marshal",
        List.of(Type.ANY),
        STRING,
        "Serializes the input term to JSON.",
        (ctx, a) -> str(EncodingGoJson.marshal(a[0], ctx)));
    r.register(
        "json.marshal_with_options",
        List.of(Type.ANY, Type.object(STRING, Type.ANY)),
        STRING,
        "Serializes the input term to JSON, with options for prefix, indent and pretty printing.",
        (ctx, a) -> str(marshalWithOptions(ctx, a[0], Operands.object(a, 1))));
    r.register(
        "json.unmarshal",
        List.of(STRING),
        Type.ANY,
        "Deserializes the input string as JSON.",
        (ctx, a) -> {
          try {
            return EncodingGoJson.parse(Operands.string(a, 0), ctx::charge);
          } catch (EncodingGoJson.SyntaxException e) {
            throw BuiltinException.error(e.getMessage());
          }
        });
    r.register(
        "json.is_valid",
        List.of(Type.ANY),
        BOOLEAN,
        "Verifies the input string is a valid JSON document.",
        (ctx, a) ->
            BooleanValue.of(a[0] instanceof StringValue s && EncodingGoJson.valid(s.value())));
  }

  /** Applies OPA's options: a prefix or an indent implies pretty printing unless it is off. */
  private static String marshalWithOptions(BuiltinContext ctx, Value x, ObjectValue opts) {
    String indent = "\t";
    String prefix = "";
    boolean implicitPretty = false;
    Boolean explicitPretty = null;
    List<Value> keys = opts.keys();
    for (int idx = 0; idx < keys.size(); idx++) {
      Value k = keys.get(idx);
      Value v = opts.get(k);
      if (!(k instanceof StringValue key)) {
        throw BuiltinException.type(
            "operand 2 failed to stringify key "
                + k
                + " at index "
                + idx
                + ": operand "
                + idx
                + " must be string but got "
                + k.typeName());
      }
      switch (key.value()) {
        case "prefix" -> {
          prefix = optionString(key, v, idx);
          implicitPretty = true;
        }
        case "indent" -> {
          indent = optionString(key, v, idx);
          implicitPretty = true;
        }
        case "pretty" -> {
          if (!(v instanceof BooleanValue b)) {
            throw BuiltinException.type("operand 2 key " + key + " failed cast to bool");
          }
          explicitPretty = b.value();
        }
        default -> throw BuiltinException.type("operand 2 object contained unknown key " + key);
      }
    }
    boolean pretty = explicitPretty != null ? explicitPretty : implicitPretty;
    if (!pretty) {
      return EncodingGoJson.marshal(x);
    }
    return prefix + EncodingGoJson.marshalIndent(x, prefix, indent, ctx);
  }

  private static String optionString(StringValue key, Value v, int idx) {
    if (v instanceof StringValue s) {
      return s.value();
    }
    throw BuiltinException.type(
        "operand 2 key "
            + key
            + " failed cast to string: operand "
            + idx
            + " must be string but got "
            + v.typeName());
  }

  private static void registerYaml(BuiltinRegistry r) {
    r.register(
        "yaml.marshal",
        List.of(Type.ANY),
        STRING,
        "Serializes the input term to YAML.",
        (ctx, a) -> str(EncodingYaml.marshal(a[0], ctx)));
    r.register(
        "yaml.unmarshal",
        List.of(STRING),
        Type.ANY,
        "Deserializes the input string as YAML.",
        (ctx, a) -> {
          try {
            return EncodingYaml.parse(ctx, Operands.string(a, 0));
          } catch (EncodingYaml.YamlException e) {
            throw BuiltinException.error(e.getMessage());
          }
        });
    r.register(
        "yaml.is_valid",
        List.of(Type.ANY),
        BOOLEAN,
        "Verifies the input string is a valid YAML document.",
        (ctx, a) -> BooleanValue.of(a[0] instanceof StringValue s && isYaml(ctx, s.value())));
  }

  private static boolean isYaml(BuiltinContext ctx, String s) {
    try {
      EncodingYaml.parse(ctx, s);
      return true;
    } catch (EncodingYaml.YamlException e) {
      return !e.getMessage().startsWith("yaml:");
    }
  }

  private static void registerUrlQuery(BuiltinRegistry r) {
    r.register(
        "urlquery.encode",
        List.of(STRING),
        STRING,
        "Encodes the input string into a URL-encoded query string.",
        (ctx, a) -> str(UriGoUrl.queryEscape(Operands.string(a, 0))));
    r.register(
        "urlquery.decode",
        List.of(STRING),
        STRING,
        "Decodes a URL-encoded input string.",
        (ctx, a) -> str(url(() -> UriGoUrl.queryUnescape(Operands.string(a, 0)))));
    r.register(
        "urlquery.encode_object",
        List.of(Type.object(STRING, Type.anyOf(STRING, Type.array(STRING), Type.set(STRING)))),
        STRING,
        "Encodes the given object into a URL-encoded query string.",
        (ctx, a) -> str(encodeObject(Operands.object(a, 0), ctx)));
    r.register(
        "urlquery.decode_object",
        List.of(STRING),
        Type.object(STRING, Type.array(STRING)),
        "Decodes the given URL-encoded query string into an object of value arrays.",
        (ctx, a) -> decodeObject(Operands.string(a, 0)));
  }

  private static String url(java.util.function.Supplier<String> f) {
    try {
      return f.get();
    } catch (UriGoUrl.UrlException e) {
      throw BuiltinException.error(e.getMessage());
    }
  }

  /**
   * Encodes as Go's {@code url.Values.Encode}: keys sorted, each value in its order; the sorts are
   * charged to {@code ctx}.
   */
  private static String encodeObject(ObjectValue o, BuiltinContext ctx) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Value> e : EncodingGoJson.sortedEntries(o, ctx)) {
      List<String> list = new ArrayList<>();
      switch (e.getValue()) {
        case StringValue s -> list.add(s.value());
        case ArrayValue arr -> addStrings(arr.elements(), list);
        case SetValue set -> addStrings(set.elements(ctx::charge), list);
        default -> throw encodeObjectError();
      }
      String key = UriGoUrl.queryEscape(e.getKey());
      for (String v : list) {
        if (!sb.isEmpty()) {
          sb.append('&');
        }
        sb.append(key).append('=').append(UriGoUrl.queryEscape(v));
      }
    }
    return sb.toString();
  }

  private static void addStrings(List<Value> items, List<String> out) {
    for (Value item : items) {
      if (!(item instanceof StringValue s)) {
        throw encodeObjectError();
      }
      out.add(s.value());
    }
  }

  private static BuiltinException encodeObjectError() {
    return BuiltinException.type("operand 1 values must be string, array[string], or set[string]");
  }

  private static Value decodeObject(String query) {
    Map<String, List<String>> parsed;
    try {
      parsed = UriGoUrl.parseQuery(query);
    } catch (UriGoUrl.UrlException e) {
      throw BuiltinException.error(e.getMessage());
    }
    Map<Value, Value> out = new HashMap<>();
    for (Map.Entry<String, List<String>> e : parsed.entrySet()) {
      List<Value> items = new ArrayList<>();
      for (String v : e.getValue()) {
        items.add(StringValue.of(v));
      }
      out.put(StringValue.of(e.getKey()), ArrayValue.of(items));
    }
    return ObjectValue.wrap(out);
  }

  private static byte[] bytes(Value[] a, int i) {
    return Operands.string(a, i).getBytes(StandardCharsets.UTF_8);
  }

  private static StringValue str(String s) {
    return StringValue.of(s);
  }
}
