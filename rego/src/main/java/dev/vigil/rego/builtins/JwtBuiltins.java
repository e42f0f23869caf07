package dev.vigil.rego.builtins;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Builtins of the JWT family ({@code io.jwt.*}): decoding, verifying and signing JWS compact tokens
 * (RFC 7515, RFC 7519).
 *
 * <p>The algorithm that verifies a signature is fixed by the builtin called ({@code verify_rs256}
 * only ever checks RSASSA-PKCS1-v1_5 with SHA-256) or, for {@code decode_verify}, by the header's
 * {@code alg} checked against the kind of the trusted key: a public key never serves as an HMAC
 * secret, and {@code alg: none} never verifies.
 */
final class JwtBuiltins {

  private static final Type TOKEN_PARTS = Type.array(Type.ANY); // [header, payload, signature]

  private JwtBuiltins() {}

  static void register(BuiltinRegistry r) {
    r.register(
        "io.jwt.decode",
        List.of(Type.STRING),
        TOKEN_PARTS,
        "Decodes a JWT into its header, payload and hex signature without verifying it.",
        (ctx, args) -> decode(Operands.string(args, 0)));
    for (String alg : List.of("RS", "PS", "ES")) {
      for (String bits : List.of("256", "384", "512")) {
        registerVerify(r, alg + bits, "a PEM certificate, PEM public key, JWK or JWK set");
      }
    }
    registerVerify(r, "EdDSA", "a PEM certificate, PEM public key, JWK or JWK set");
    for (String bits : List.of("256", "384", "512")) {
      r.register(
          "io.jwt.verify_hs" + bits,
          List.of(Type.STRING, Type.STRING),
          Type.BOOLEAN,
          "Verifies the HS" + bits + " signature of a JWT with a shared secret.",
          (ctx, args) ->
              verifyHmac("HS" + bits, Operands.string(args, 0), Operands.string(args, 1)));
    }
    r.register(
        "io.jwt.decode_verify",
        List.of(Type.STRING, Type.object(Type.STRING, Type.ANY)),
        Type.array(Type.ANY),
        "Verifies a JWT's signature and claims against constraints and decodes it.",
        (ctx, args) ->
            JwtVerification.decodeVerify(
                ctx, Operands.string(args, 0), Operands.object(args, 1), ctx.queryTimeNanos()));
    r.register(
        "io.jwt.encode_sign",
        List.of(
            Type.object(Type.STRING, Type.ANY),
            Type.object(Type.STRING, Type.ANY),
            Type.object(Type.STRING, Type.ANY)),
        Type.STRING,
        "Encodes and signs a JWT from header, payload and JWK objects.",
        (ctx, args) ->
            encodeSign(
                ctx,
                Json.write(Operands.object(args, 0), ctx::charge),
                Json.write(Operands.object(args, 1), ctx::charge),
                Json.write(Operands.object(args, 2), ctx::charge)));
    r.register(
        "io.jwt.encode_sign_raw",
        List.of(Type.STRING, Type.STRING, Type.STRING),
        Type.STRING,
        "Encodes and signs a JWT from header, payload and JWK JSON texts.",
        (ctx, args) ->
            encodeSign(
                ctx, Operands.string(args, 0), Operands.string(args, 1), Operands.string(args, 2)));
  }

  private static void registerVerify(BuiltinRegistry r, String alg, String keys) {
    r.register(
        "io.jwt.verify_" + alg.toLowerCase(java.util.Locale.ROOT),
        List.of(Type.STRING, Type.STRING),
        Type.BOOLEAN,
        "Verifies the " + alg + " signature of a JWT with " + keys + ".",
        (ctx, args) -> verify(ctx, alg, Operands.string(args, 0), Operands.string(args, 1)));
  }

  /** Decodes a token, following nested tokens ({@code cty: JWT}) to the innermost one. */
  static Value decode(String token) {
    JwtToken t = JwtToken.split(token);
    ObjectValue header = t.decodedHeader();
    String payload = t.decodedPayload();
    if (header.get("cty") instanceof StringValue cty && cty.value().equals("JWT")) {
      return decode(trim(payload, "\"'"));
    }
    ObjectValue claims = JwtToken.jsonObject(payload, "");
    byte[] signature = JwtToken.decodeBytes(t.signature(), "JWT signature had invalid encoding: ");
    return ArrayValue.of(header, claims, StringValue.of(HexFormat.of().formatHex(signature)));
  }

  private static String trim(String s, String cutset) {
    int start = 0;
    int end = s.length();
    while (start < end && cutset.indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && cutset.indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    return s.substring(start, end);
  }

  /**
   * Verifies with the builtin's own algorithm. A key whose kid matches the header's is the only one
   * tried; otherwise every key is, skipping JWKs that name a different algorithm. Each signature
   * check is charged to {@code ctx} ({@link JwtAlgorithms#VERIFY_UNITS}): a key set of thousands of
   * keys is thousands of checks.
   */
  static Value verify(BuiltinContext ctx, String alg, String token, String keyText) {
    JwtToken t = JwtToken.split(token);
    List<JwtKeys.VerificationKey> keys = JwtKeys.verificationKeys(ctx, keyText);
    byte[] signature = t.decodedSignature();
    JwtToken.Header header = JwtToken.Header.of(t.decodedHeader());
    byte[] input = t.signingInput();
    if (!header.kid().isEmpty()) {
      for (JwtKeys.VerificationKey k : keys) {
        if (k.kid().equals(header.kid())) {
          ctx.charge(JwtAlgorithms.VERIFY_UNITS);
          return BooleanValue.of(JwtAlgorithms.verify(alg, k.key(), input, signature));
        }
      }
    }
    for (JwtKeys.VerificationKey k : keys) {
      if (!k.alg().isEmpty() && !k.alg().equals(header.alg())) {
        continue;
      }
      ctx.charge(JwtAlgorithms.VERIFY_UNITS);
      if (JwtAlgorithms.verify(alg, k.key(), input, signature)) {
        return BooleanValue.TRUE;
      }
    }
    return BooleanValue.FALSE;
  }

  static Value verifyHmac(String alg, String token, String secret) {
    JwtToken t = JwtToken.split(token);
    byte[] signature = t.decodedSignature();
    return BooleanValue.of(
        JwtAlgorithms.verify(alg, CryptoBuiltins.utf8(secret), t.signingInput(), signature));
  }

  /** Signs header and payload texts as given, with the first key of the JWK (set). */
  static Value encodeSign(
      BuiltinContext ctx, String headerText, String payloadText, String jwkText) {
    Object key = JwtKeys.signingKey(ctx, jwkText);
    ObjectValue header = JwtHeaderLookup.parse(headerText);
    String alg = JwtHeaderLookup.alg(header);
    if (!JwtAlgorithms.KNOWN.contains(alg)) {
      throw BuiltinException.error("unknown JWS algorithm: " + alg);
    }
    Value typ = header == null ? null : header.get("typ");
    boolean jwt = !(typ instanceof StringValue s) || s.value().equals("JWT");
    if (jwt && !isJson(payloadText)) {
      throw BuiltinException.error("type is JWT but payload is not JSON");
    }
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(CryptoBuiltins.utf8(headerText))
            + "."
            + b64.encodeToString(CryptoBuiltins.utf8(payloadText));
    byte[] signature = JwtAlgorithms.sign(alg, key, CryptoBuiltins.utf8(input));
    return StringValue.of(input + "." + b64.encodeToString(signature));
  }

  private static boolean isJson(String text) {
    try {
      Json.parse(text);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
