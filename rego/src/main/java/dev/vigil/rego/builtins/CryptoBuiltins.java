package dev.vigil.rego.builtins;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Builtins of the Crypto family: digests and HMACs of strings, as lowercase hex. */
final class CryptoBuiltins {

  private CryptoBuiltins() {}

  static void register(BuiltinRegistry r) {
    digest(r, "crypto.md5", "MD5");
    digest(r, "crypto.sha1", "SHA-1");
    digest(r, "crypto.sha256", "SHA-256");
    hmac(r, "crypto.hmac.md5", "HmacMD5");
    hmac(r, "crypto.hmac.sha1", "HmacSHA1");
    hmac(r, "crypto.hmac.sha256", "HmacSHA256");
    hmac(r, "crypto.hmac.sha512", "HmacSHA512");
    r.register(
        "crypto.hmac.equal",
        List.of(Type.STRING, Type.STRING),
        Type.BOOLEAN,
        "Compares two MACs in constant time.",
        (ctx, args) ->
            BooleanValue.of(
                MessageDigest.isEqual(
                    utf8(Operands.string(args, 0)), utf8(Operands.string(args, 1)))));
  }

  private static void digest(BuiltinRegistry r, String name, String algorithm) {
    r.register(
        name,
        List.of(Type.STRING),
        Type.STRING,
        "Returns the " + algorithm + " digest of a string as lowercase hex.",
        (ctx, args) -> hex(digest(algorithm, utf8(Operands.string(args, 0)))));
  }

  private static void hmac(BuiltinRegistry r, String name, String algorithm) {
    r.register(
        name,
        List.of(Type.STRING, Type.STRING),
        Type.STRING,
        "Returns the " + algorithm + " of a message under a key as lowercase hex.",
        (ctx, args) ->
            hex(mac(algorithm, utf8(Operands.string(args, 1)), utf8(Operands.string(args, 0)))));
  }

  static byte[] digest(String algorithm, byte[] data) {
    try {
      return MessageDigest.getInstance(algorithm).digest(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm, e);
    }
  }

  /** Computes an HMAC; an empty key is allowed, as in Go. */
  static byte[] mac(String algorithm, byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new EmptyAllowingKey(key, algorithm));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm, e);
    }
  }

  static Value hex(byte[] bytes) {
    return StringValue.of(hexString(bytes));
  }

  static String hexString(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A raw HMAC key; unlike {@link SecretKeySpec} it accepts zero bytes, as HMAC allows. */
  private record EmptyAllowingKey(byte[] key, String algorithm) implements javax.crypto.SecretKey {
    @Override
    public String getAlgorithm() {
      return algorithm;
    }

    @Override
    public String getFormat() {
      return "RAW";
    }

    @Override
    public byte[] getEncoded() {
      return key.clone();
    }
  }
}
