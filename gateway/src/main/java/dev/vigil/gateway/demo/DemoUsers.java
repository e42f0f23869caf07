package dev.vigil.gateway.demo;

import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.Totp;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The demo's people. On first start each gets a random password and TOTP secret, written for the
 * person trying the demo to {@code demo-users.txt} and, hashed, to {@code demo-users.json} in the
 * data directory (both readable by the owner only); later starts reuse them.
 */
public final class DemoUsers {

  /** A demo person before credentials: username, e-mail, roles, groups, with TOTP or not. */
  public record Person(
      String username, String email, List<String> roles, List<String> groups, boolean totp) {}

  /** The people of the demo estate. */
  public static final List<Person> PEOPLE =
      List.of(
          new Person("alice", "alice@demo.vigil", List.of("sre"), List.of("platform"), true),
          new Person("bob", "bob@demo.vigil", List.of("dev"), List.of("payments"), false),
          new Person("carol", "carol@demo.vigil", List.of("auditor"), List.of("security"), true));

  /**
   * The demo people as an entitlement may name them for its approvers: each user name, and each of
   * their groups as {@code group:NAME}.
   */
  public static Set<String> approvers() {
    Set<String> out = new HashSet<>();
    for (Person p : PEOPLE) {
      out.add(p.username());
      p.groups().forEach(g -> out.add("group:" + g));
    }
    return Set.copyOf(out);
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private DemoUsers() {}

  /** Loads the demo users from the data directory, creating them on first use. */
  public static List<LocalUser> loadOrCreate(Path dataDir) throws IOException {
    Path json = dataDir.resolve("demo-users.json");
    if (Files.exists(json)) {
      return read(json);
    }
    List<LocalUser> users = new ArrayList<>();
    StringBuilder txt =
        new StringBuilder(
            "# Vigil demo users. Sign in at the gateway's /auth/login.\n"
                + "# The one-time code comes from any authenticator app given the TOTP secret,\n"
                + "# or from: ./vigil totp SECRET\n\n");
    List<Value> saved = new ArrayList<>();
    for (Person p : PEOPLE) {
      String password = password();
      String secret = p.totp() ? Totp.newSecret() : null;
      LocalUser u =
          new LocalUser(
              p.username(), p.email(), p.roles(), p.groups(), PasswordHash.hash(password), secret);
      users.add(u);
      txt.append(
          String.format(
              "%-6s password %s  roles %s%s%n",
              p.username(),
              password,
              String.join(",", p.roles()),
              secret == null ? "" : "  totp_secret " + secret));
      saved.add(
          ObjectValue.of(
              StringValue.of("username"), StringValue.of(u.username()),
              StringValue.of("email"), StringValue.of(u.email()),
              StringValue.of("roles"), strings(u.roles()),
              StringValue.of("groups"), strings(u.groups()),
              StringValue.of("password_hash"), StringValue.of(u.passwordHash()),
              StringValue.of("totp_secret"), StringValue.of(secret == null ? "" : secret)));
    }
    writePrivate(dataDir.resolve("demo-users.txt"), txt.toString());
    writePrivate(json, Json.writePretty(ArrayValue.of(saved)) + "\n");
    return users;
  }

  private static List<LocalUser> read(Path json) throws IOException {
    List<LocalUser> out = new ArrayList<>();
    if (!(Json.parse(Files.readString(json)) instanceof ArrayValue a)) {
      throw new IOException(json + ": expected a list of users");
    }
    for (Value v : a.elements()) {
      ObjectValue o = (ObjectValue) v;
      String secret = text(o, "totp_secret");
      out.add(
          new LocalUser(
              text(o, "username"),
              text(o, "email"),
              list(o, "roles"),
              list(o, "groups"),
              text(o, "password_hash"),
              secret.isEmpty() ? null : secret));
    }
    return out;
  }

  private static String text(ObjectValue o, String k) {
    return o.get(k) instanceof StringValue s ? s.value() : "";
  }

  private static List<String> list(ObjectValue o, String k) {
    List<String> out = new ArrayList<>();
    if (o.get(k) instanceof ArrayValue a) {
      a.elements().forEach(v -> out.add(((StringValue) v).value()));
    }
    return out;
  }

  private static ArrayValue strings(List<String> l) {
    return ArrayValue.of(l.stream().map(x -> (Value) StringValue.of(x)).toList());
  }

  private static String password() {
    String alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 16; i++) {
      sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  private static void writePrivate(Path p, String text) throws IOException {
    Files.writeString(p, text);
    try {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system; the file keeps the default permissions.
    }
  }
}
