package dev.vigil.pdp.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The secret a client of the REST API shows to change the decision point: upload or delete a
 * policy, write base data. Reads and decisions need none, so that every OPA client and proxy keeps
 * working; a write without it could otherwise come from any process of the host, or from a web page
 * whose name was rebound to the loopback address.
 *
 * <p>The token is text ({@code vat_} and 43 base64url characters, 256 random bits), kept in a file
 * readable by its owner only, and shown as {@code Authorization: Bearer TOKEN}. Only its SHA-256 is
 * held in memory, and a presented token is compared by digest in constant time.
 *
 * <p>Immutable and thread-safe.
 */
public final class ApiToken {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String PREFIX = "vat_";
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_\\-.~+/=]{16,512}");

  private final byte[] digest;

  private ApiToken(String token) {
    this.digest = sha256(token);
  }

  /**
   * Returns a token of the given text.
   *
   * @throws IllegalArgumentException when it is shorter than 16 characters, longer than 512, or
   *     holds a character a bearer token cannot carry (RFC 6750 §2.1)
   */
  public static ApiToken of(String token) {
    if (token == null || !SHAPE.matcher(token).matches()) {
      throw new IllegalArgumentException(
          "an API token must be 16 to 512 characters of A-Z a-z 0-9 - . _ ~ + / =");
    }
    return new ApiToken(token);
  }

  /** Returns a new random token's text. */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /**
   * Reads the token kept in {@code file}, first making one there (readable by its owner only) when
   * the file does not exist. Surrounding white space, such as the final newline an editor adds, is
   * not part of the token.
   *
   * @throws IllegalArgumentException naming the file when what it holds is not a token, or when
   *     users other than its owner may read or write it (the token would then guard nothing)
   * @throws IOException when it cannot be read or written
   */
  public static ApiToken loadOrCreate(Path file) throws IOException {
    if (!Files.exists(file)) {
      create(file);
    }
    refuseShared(file);
    String text = Files.readString(file, StandardCharsets.UTF_8).strip();
    try {
      return of(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "API token file " + file + " does not hold a token: " + e.getMessage(), e);
    }
  }

  private static void refuseShared(Path file) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return; // Not a POSIX file system: access is the system's own business.
    }
    Set<PosixFilePermission> shared = EnumSet.copyOf(perms);
    shared.retainAll(
        EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE));
    if (!shared.isEmpty()) {
      throw new IllegalArgumentException(
          "API token file "
              + file
              + " may be read or written by other users ("
              + PosixFilePermissions.toString(perms)
              + "); make it its owner's only: chmod 600 "
              + file);
    }
  }

  private static void create(Path file) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp);
    try {
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: the file keeps the directory's default permissions.
    }
    Files.writeString(tmp, generate() + "\n", StandardCharsets.UTF_8);
    // Whole or not at all: a crash never leaves an empty token file behind.
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Returns why a request's {@code Authorization} fields are refused before any is read, or null
   * for none or one. The field is not a list (RFC 9110 §11.6.2): of two, a guard that reads the
   * first and a proxy or an upstream that reads the last would each see another caller.
   */
  public static String ambiguity(List<String> fields) {
    if (fields.size() < 2) {
      return null;
    }
    return "the request has "
        + fields.size()
        + " Authorization headers; send one, Authorization: Bearer TOKEN";
  }

  /**
   * Tells whether an {@code Authorization} field value carries this token as a bearer credential
   * (the scheme compared in any case, RFC 9110 §11.1). Null, another scheme or another token: no.
   */
  public boolean admits(String authorization) {
    if (authorization == null) {
      return false;
    }
    String value = authorization.strip();
    int space = value.indexOf(' ');
    if (space < 0 || !value.substring(0, space).equalsIgnoreCase("Bearer")) {
      return false;
    }
    return MessageDigest.isEqual(digest, sha256(value.substring(space + 1).strip()));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return "ApiToken[****]";
  }
}
