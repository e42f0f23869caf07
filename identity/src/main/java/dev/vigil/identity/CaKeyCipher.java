package dev.vigil.identity;

import dev.vigil.store.Store;
import dev.vigil.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts CA private keys at rest with AES-256-GCM.
 *
 * <p>The 32-byte key comes from the environment variable {@value #ENV} or from a key file, as 64
 * hex digits or base64. Each sealed key is {@code v1:} followed by base64 of a random 12-byte nonce
 * and the ciphertext with its tag; the CA's id is bound in as associated data, so a sealed key
 * copied onto another CA's row does not open. Without a key Vigil refuses to start, unless the
 * caller asks for {@link #insecurePlaintext()}, which stores keys unencrypted and is meant for
 * development only (sealed values then start with {@code INSECURE-PLAINTEXT:}). Thread-safe.
 */
public final class CaKeyCipher {

  /** The environment variable holding the CA key encryption key. */
  public static final String ENV = "VIGIL_CA_KEY";

  private static final String V1 = "v1:";
  private static final String PLAIN = "INSECURE-PLAINTEXT:";

  private static final int NONCE_BYTES = 12;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  /** Where the key came from, for the message when it does not open a CA's key. */
  private final String source;

  private CaKeyCipher(SecretKeySpec key, String source) {
    this.key = key;
    this.source = source;
  }

  /** Returns a cipher for a 32-byte key. */
  public static CaKeyCipher ofKey(byte[] key32) {
    return ofKey(key32, "the given key");
  }

  /**
   * Returns a cipher for a 32-byte key.
   *
   * @param source where the key came from, as a refusal names it: {@code "key file /x/ca.key"}
   */
  public static CaKeyCipher ofKey(byte[] key32, String source) {
    if (key32.length != 32) {
      throw new IllegalArgumentException(
          "CA key encryption key must be 32 bytes (AES-256), got " + key32.length);
    }
    return new CaKeyCipher(new SecretKeySpec(key32.clone(), "AES"), source);
  }

  /**
   * Returns the cipher configured by {@code keyFile} when given, else by {@value #ENV} in {@code
   * env}.
   *
   * @throws IllegalStateException when neither is set, saying how to set one
   * @throws IllegalArgumentException when the key is malformed
   */
  public static CaKeyCipher configured(Map<String, String> env, Path keyFile) {
    if (keyFile != null) {
      try {
        return ofKey(
            decodeKey(Files.readString(keyFile, StandardCharsets.US_ASCII), keyFile),
            "key file " + keyFile);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException("CA key file " + keyFile + " does not exist");
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read CA key file " + keyFile + ": " + readProblem(e));
      }
    }
    String fromEnv = env.get(ENV);
    if (fromEnv == null || fromEnv.isBlank()) {
      throw new IllegalStateException(
          "no key to encrypt CA private keys: set "
              + ENV
              + " to 32 random bytes (64 hex digits or base64, e.g. `openssl rand -hex 32`) or give"
              + " a key file; --insecure-dev stores CA keys unencrypted, for development only");
    }
    return ofKey(decodeKey(fromEnv, ENV), ENV);
  }

  /**
   * Says why a key file could not be read, in words: the JDK's file exceptions carry only the path
   * as their message, and their class name means nothing to the person who typed it.
   */
  private static String readProblem(IOException e) {
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof java.nio.charset.CharacterCodingException) {
      return "not text (the key is 64 hex digits or base64)";
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(java.util.Locale.ROOT);
    }
    String m = e.getMessage();
    return m == null || m.isBlank() ? "input/output error" : m.toLowerCase(java.util.Locale.ROOT);
  }

  /** Returns a cipher that stores keys unencrypted: for development only, never production. */
  public static CaKeyCipher insecurePlaintext() {
    return new CaKeyCipher(null, "no key");
  }

  /**
   * Returns each CA whose private key {@code store} holds unencrypted (made in {@code
   * --insecure-dev} mode): {@code trust domain prod.example, CA ID} for the trust domains' CAs and
   * {@code device CA ID}. Reads only.
   *
   * @throws StoreException when the store cannot be read
   */
  public static List<String> unsealed(Store store) {
    List<String> out = new ArrayList<>();
    try (Connection c = store.dataSource().getConnection()) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT trust_domain, id FROM identity_cas WHERE private_key_sealed LIKE ?"
                  + " OR jwt_private_key_sealed LIKE ? ORDER BY trust_domain, id")) {
        ps.setString(1, PLAIN + "%");
        ps.setString(2, PLAIN + "%");
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add("trust domain " + rs.getString(1) + ", CA " + rs.getString(2));
          }
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id FROM device_cas WHERE private_key_sealed LIKE ? ORDER BY id")) {
        ps.setString(1, PLAIN + "%");
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            out.add("device CA " + rs.getString(1));
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException("cannot read the CA keys: " + e.getMessage(), e);
    }
    return out;
  }

  /** Returns true when keys are stored unencrypted. */
  public boolean insecure() {
    return key == null;
  }

  /** Encrypts a PKCS#8 private key, binding it to {@code caId}. */
  public String seal(byte[] pkcs8, String caId) {
    if (key == null) {
      return PLAIN + Base64.getEncoder().encodeToString(pkcs8);
    }
    try {
      byte[] nonce = new byte[NONCE_BYTES];
      random.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(caId.getBytes(StandardCharsets.UTF_8));
      byte[] ct = c.doFinal(pkcs8);
      byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + ct.length);
      System.arraycopy(ct, 0, out, NONCE_BYTES, ct.length);
      return V1 + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt the key of CA " + caId, e);
    }
  }

  /**
   * Decrypts a sealed key of CA {@code caId}.
   *
   * @throws KeyRefused when the key does not open: a wrong encryption key, a value that was
   *     tampered with, or a plaintext key met by a cipher with a key (and vice versa)
   */
  public byte[] open(String sealed, String caId) {
    if (sealed.startsWith(PLAIN)) {
      if (key != null) {
        throw new KeyRefused(
            "the key of CA "
                + caId
                + " is stored unencrypted (made in --insecure-dev mode);"
                + " refusing to use it with an encryption key configured");
      }
      return Base64.getDecoder().decode(sealed.substring(PLAIN.length()));
    }
    if (!sealed.startsWith(V1)) {
      throw new KeyRefused("the key of CA " + caId + " is in an unknown format");
    }
    if (key == null) {
      throw new KeyRefused(
          "the key of CA " + caId + " is encrypted; set " + ENV + " or give the key file");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(V1.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, Arrays.copyOf(in, NONCE_BYTES)));
      c.updateAAD(caId.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new KeyRefused(
          "cannot decrypt the key of CA "
              + caId
              + " with "
              + source
              + ": another key sealed it, or the store was tampered with");
    }
  }

  /**
   * A CA key that this cipher cannot open: sealed with another key, tampered with, or stored in a
   * form this cipher refuses. The message names the CA.
   */
  public static final class KeyRefused extends IllegalStateException {

    KeyRefused(String message) {
      super(message);
    }
  }

  private static byte[] decodeKey(String text, Object source) {
    String t = text.strip();
    try {
      if (t.matches("[0-9a-fA-F]{64}")) {
        return HexFormat.of().parseHex(t);
      }
      byte[] b = Base64.getDecoder().decode(t);
      if (b.length == 32) {
        return b;
      }
    } catch (IllegalArgumentException e) {
      // not base64 either: reported below
    }
    throw new IllegalArgumentException(
        "CA key encryption key from " + source + " must be 32 bytes as 64 hex digits or base64");
  }
}
