package dev.vigil.console;

import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.PasswordRules;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Administrators kept in the data directory ({@value #FILE}), beside those of the configuration
 * file: today the first administrator, {@code admin}, created on the first start.
 *
 * <p>The first administrator gets a random one-time password, printed once and stored only as an
 * Argon2id hash. Like Grafana's first admin or a Teleport invitation, it opens one door: the
 * console lets a session signed in with it do nothing but choose a new password, and once chosen
 * the one-time password no longer works. The file is rewritten whole (temporary file, then rename)
 * and readable by its owner only. Thread-safe.
 */
public final class AdminAccounts {

  public static final String FILE = "admins.json";
  public static final String FIRST_ADMIN = "admin";

  /** Shortest password an administrator may choose (besides {@link PasswordRules}). */
  public static final int MIN_PASSWORD = 12;

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

  /** One administrator as stored. */
  private record Account(String username, String passwordHash, boolean mustChange) {}

  private final Path file;
  private final String role;
  private volatile Map<String, Account> accounts;

  private AdminAccounts(Path file, String role, Map<String, Account> accounts) {
    this.file = file;
    this.role = role;
    this.accounts = accounts;
  }

  /**
   * Opens the administrators of {@code dataDir}.
   *
   * @param role the role they hold (the console's admin role)
   * @throws IllegalStateException when the file exists but does not read; it is left untouched
   */
  public static AdminAccounts open(Path dataDir, String role) {
    Path f = dataDir.resolve(FILE);
    if (!Files.exists(f)) {
      return new AdminAccounts(f, role, Map.of());
    }
    try {
      return new AdminAccounts(f, role, parse(Files.readString(f, StandardCharsets.UTF_8)));
    } catch (IOException
        | JsonException
        | IllegalArgumentException
        | ClassCastException
        | NullPointerException e) {
      throw new IllegalStateException(
          f + " is damaged (" + e.getMessage() + "); restore it from a backup", e);
    }
  }

  /** Returns true before the first administrator was ever created in this data directory. */
  public boolean firstStart() {
    return !Files.exists(file);
  }

  /**
   * Creates the first administrator with a random one-time password when the data directory has
   * none yet, and returns that password; empty on every later start.
   */
  public synchronized Optional<String> createFirstAdmin() throws IOException {
    if (!firstStart()) {
      return Optional.empty();
    }
    String password = randomPassword();
    Map<String, Account> next = new LinkedHashMap<>();
    next.put(FIRST_ADMIN, new Account(FIRST_ADMIN, PasswordHash.hash(password), true));
    save(next);
    return Optional.of(password);
  }

  /** Returns the administrators as local users holding the admin role. */
  public List<LocalUser> users() {
    List<LocalUser> out = new ArrayList<>();
    for (Account a : accounts.values()) {
      out.add(new LocalUser(a.username(), "", List.of(role), List.of(), a.passwordHash(), null));
    }
    return out;
  }

  /** Returns true when {@code username} still holds a one-time password. */
  public boolean mustChange(String username) {
    Account a = accounts.get(username);
    return a != null && a.mustChange();
  }

  /** Returns true when {@code username} is kept here (rather than in the configuration file). */
  public boolean holds(String username) {
    return accounts.containsKey(username);
  }

  /**
   * Sets a new password for an administrator kept here, ending a one-time password.
   *
   * @throws IllegalArgumentException naming what is wrong with the password: the current one wrong;
   *     the new one shorter than {@value #MIN_PASSWORD} characters, blank, with fewer than {@value
   *     PasswordRules#MIN_DISTINCT} different characters, or the same as the current one
   */
  public synchronized void changePassword(String username, String current, String next)
      throws IOException {
    Account a = accounts.get(username);
    if (a == null) {
      throw new IllegalArgumentException(
          "the password of " + username + " is set in the configuration file, not here");
    }
    if (current == null || !PasswordHash.verify(current, a.passwordHash())) {
      throw new IllegalArgumentException("the current password is wrong");
    }
    if (next == null || next.codePointCount(0, next.length()) < MIN_PASSWORD) {
      throw new IllegalArgumentException(
          "the new password must have at least " + MIN_PASSWORD + " characters");
    }
    String problem = PasswordRules.problem(next);
    if (problem != null) {
      throw new IllegalArgumentException("the new password " + problem);
    }
    if (next.equals(current)) {
      throw new IllegalArgumentException("the new password must differ from the current one");
    }
    Map<String, Account> m = new LinkedHashMap<>(accounts);
    m.put(username, new Account(username, PasswordHash.hash(next), false));
    save(m);
  }

  private void save(Map<String, Account> next) throws IOException {
    List<Value> list = new ArrayList<>();
    for (Account a : next.values()) {
      list.add(
          ObjectValue.of(
              StringValue.of("username"), StringValue.of(a.username()),
              StringValue.of("password_hash"), StringValue.of(a.passwordHash()),
              StringValue.of("must_change"), BooleanValue.of(a.mustChange())));
    }
    String json = Json.writePretty(ObjectValue.of(StringValue.of("admins"), ArrayValue.of(list)));
    KeyFiles.writePrivate(file, (json + "\n").getBytes(StandardCharsets.UTF_8));
    accounts = Map.copyOf(next);
  }

  private static Map<String, Account> parse(String json) {
    ObjectValue root = (ObjectValue) Json.parse(json);
    Map<String, Account> out = new LinkedHashMap<>();
    for (Value v : ((ArrayValue) root.get("admins")).elements()) {
      ObjectValue o = (ObjectValue) v;
      String name = ((StringValue) o.get("username")).value();
      String hash = ((StringValue) o.get("password_hash")).value();
      if (!hash.startsWith("$argon2id$")) {
        throw new IllegalArgumentException("the password of " + name + " is not an Argon2id hash");
      }
      out.put(name, new Account(name, hash, BooleanValue.TRUE.equals(o.get("must_change"))));
    }
    return Map.copyOf(out);
  }

  private static String randomPassword() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      sb.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }
}
