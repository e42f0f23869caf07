package dev.vigil.rego.builtins;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@code providers.aws.sign_req}: signs an {@code http.send} request object with AWS Signature
 * Version 4
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) and
 * returns it with the signing headers added.
 */
final class AwsBuiltins {

  private static final List<String> REQUIRED_CONFIG =
      List.of("aws_access_key", "aws_region", "aws_secret_access_key", "aws_service");

  /** The request keys {@code http.send} accepts; sign_req refuses any other. */
  private static final Set<String> REQUEST_KEYS = HttpRequestKeys.ALLOWED;

  /** Headers a proxy may change, so they are left out of the signature. */
  private static final Set<String> UNSIGNED_HEADERS =
      Set.of("authorization", "user-agent", "x-amzn-trace-id");

  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter DATE_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private AwsBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "providers.aws.sign_req",
        List.of(
            Type.object(Type.STRING, Type.ANY), Type.object(Type.STRING, Type.ANY), Type.NUMBER),
        Type.object(Type.STRING, Type.ANY),
        "Signs an HTTP request object for AWS with Signature Version 4.",
        (ctx, args) ->
            signRequest(
                ctx, Operands.object(args, 0), Operands.object(args, 1), Operands.number(args, 2)));
  }

  static Value signRequest(
      BuiltinContext ctx, ObjectValue request, ObjectValue config, NumberValue timeNanos) {
    checkConfig(config);
    Long nanos = timeNanos.longValueExact();
    if (nanos == null || nanos < 0) {
      throw BuiltinException.type(
          "operand 3 could not convert time_ns value into a unix timestamp");
    }
    checkRequest(request);
    Value headersValue = request.get("headers");
    ObjectValue headers = ObjectValue.EMPTY;
    if (headersValue != null) {
      if (!(headersValue instanceof ObjectValue h)) {
        throw BuiltinException.operandType(0, headersValue, "object");
      }
      headers = h;
    }
    URI url = parseUrl(text(request.get("url")));
    String method = text(request.get("method"));
    byte[] body = body(request, ctx);
    boolean unsignedPayload = false;
    Value disable = config.get("disable_payload_signing");
    if (disable != null) {
      if (!(disable instanceof BooleanValue b)) {
        throw BuiltinException.type(
            "operand 2 invalid value for 'disable_payload_signing' in AWS config");
      }
      unsignedPayload = b.value();
    }
    Map<String, String> given = new HashMap<>();
    for (Value k : headers.keys()) {
      given.put(text(k), text(headers.get(k)));
    }
    AwsSigner.Credentials creds =
        new AwsSigner.Credentials(
            text(config.get("aws_access_key")),
            text(config.get("aws_secret_access_key")),
            text(config.get("aws_region")),
            config.get("aws_session_token") == null ? "" : text(config.get("aws_session_token")));
    Instant when = Instant.ofEpochSecond(0, nanos);
    AwsSigner.Signed signed =
        AwsSigner.sign(
            given,
            method,
            url,
            body,
            text(config.get("aws_service")),
            creds,
            DATE.format(when),
            DATE_TIME.format(when),
            unsignedPayload);
    Map<Value, Value> out = new HashMap<>();
    given.forEach((k, v) -> out.put(StringValue.of(k), StringValue.of(v)));
    out.put(StringValue.of("Authorization"), StringValue.of(signed.authorization()));
    signed.headers().forEach((k, v) -> out.put(StringValue.of(k), StringValue.of(v)));
    Map<Value, Value> result = new HashMap<>(request.asMap());
    result.put(StringValue.of("headers"), ObjectValue.wrap(out));
    return ObjectValue.wrap(result);
  }

  private static void checkConfig(ObjectValue config) {
    List<String> missing = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (String key : REQUIRED_CONFIG) {
      Value v = config.get(key);
      if (v == null) {
        missing.add(key);
      } else if (!(v instanceof StringValue)) {
        invalid.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw BuiltinException.type(
          "operand 2 missing required AWS config parameters(s): " + goSet(missing));
    }
    if (!invalid.isEmpty()) {
      throw BuiltinException.type(
          "operand 2 invalid values for required AWS config parameters(s): " + goSet(invalid));
    }
  }

  private static void checkRequest(ObjectValue request) {
    List<String> unknown = new ArrayList<>();
    for (Value k : request.keys()) {
      if (!(k instanceof StringValue s) || !REQUEST_KEYS.contains(s.value())) {
        unknown.add(k instanceof StringValue s ? s.value() : Json.write(k));
      }
    }
    if (!unknown.isEmpty()) {
      throw BuiltinException.type("operand 1 invalid request parameters(s): " + goSet(unknown));
    }
    List<String> missing = new ArrayList<>();
    List<String> invalid = new ArrayList<>();
    for (String key : List.of("method", "url")) {
      Value v = request.get(key);
      if (v == null) {
        missing.add(key);
      } else if (!(v instanceof StringValue)) {
        invalid.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw BuiltinException.type(
          "operand 1 missing required request parameters(s): " + goSet(missing));
    }
    if (!invalid.isEmpty()) {
      throw BuiltinException.type(
          "operand 1 invalid values for required request parameters(s): " + goSet(invalid));
    }
  }

  /** Formats names as OPA prints a set of strings: {@code {"a", "b"}}. */
  private static String goSet(List<String> names) {
    return SetValue.of(names.stream().map(StringValue::of).toList()).elements().stream()
        .map(v -> Json.quote(((StringValue) v).value()))
        .collect(Collectors.joining(", ", "{", "}"));
  }

  private static URI parseUrl(String url) {
    try {
      return new URI(url);
    } catch (URISyntaxException e) {
      throw BuiltinException.error("parse " + Json.quote(url) + ": " + e.getReason());
    }
  }

  /** The payload: raw_body as is, else body as JSON (its sorts charged to ctx), else nothing. */
  private static byte[] body(ObjectValue request, BuiltinContext ctx) {
    Value raw = request.get("raw_body");
    if (raw != null) {
      return CryptoBuiltins.utf8(text(raw));
    }
    Value body = request.get("body");
    return body == null ? new byte[0] : CryptoBuiltins.utf8(Json.write(body, ctx::charge));
  }

  private static String text(Value v) {
    return v instanceof StringValue s ? s.value() : "";
  }

  /** Sorted copy, for deterministic canonical headers. */
  static TreeMap<String, String> lowerSorted(Map<String, String> headers) {
    TreeMap<String, String> out = new TreeMap<>();
    headers.forEach(
        (k, v) -> {
          String lower = k.toLowerCase(Locale.ROOT);
          if (!UNSIGNED_HEADERS.contains(lower)) {
            out.put(lower, v);
          }
        });
    return out;
  }
}
