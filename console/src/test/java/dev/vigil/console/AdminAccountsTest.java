package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.auth.PasswordHash;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The first administrator: created once, stored hashed, never in clear. */
class AdminAccountsTest {

  @TempDir Path tmp;

  @Test
  void createFirstAdmin_firstStart_storesOnlyAnArgon2idHashReadableByOwner() throws Exception {
    String pw = AdminAccounts.open(tmp, "admin").createFirstAdmin().orElseThrow();

    Path file = tmp.resolve(AdminAccounts.FILE);
    String stored = Files.readString(file);
    assertThat(pw).hasSize(20);
    assertThat(stored).doesNotContain(pw).contains("$argon2id$").contains("\"must_change\": true");
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    AdminAccounts again = AdminAccounts.open(tmp, "admin");
    assertThat(PasswordHash.verify(pw, again.users().getFirst().passwordHash())).isTrue();
    assertThat(again.users().getFirst().roles()).containsExactly("admin");
  }

  @Test
  void createFirstAdmin_secondStart_createsNothing() throws Exception {
    AdminAccounts.open(tmp, "admin").createFirstAdmin();
    String before = Files.readString(tmp.resolve(AdminAccounts.FILE));

    assertThat(AdminAccounts.open(tmp, "admin").createFirstAdmin()).isEmpty();
    assertThat(Files.readString(tmp.resolve(AdminAccounts.FILE))).isEqualTo(before);
  }

  @Test
  void open_damagedFile_isRefusedAndLeftAsItWas() throws Exception {
    Path file = tmp.resolve(AdminAccounts.FILE);
    Files.writeString(file, "{\"admins\": [ {\"username\": \"admin\"");

    assertThatThrownBy(() -> AdminAccounts.open(tmp, "admin"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file + " is damaged");
    assertThat(Files.readString(file)).isEqualTo("{\"admins\": [ {\"username\": \"admin\"");
  }

  @Test
  void changePassword_wrongCurrent_isRefused() throws Exception {
    AdminAccounts a = AdminAccounts.open(tmp, "admin");
    a.createFirstAdmin();

    assertThatThrownBy(() -> a.changePassword("admin", "not it", "a new long password"))
        .hasMessage("the current password is wrong");
    assertThat(a.mustChange("admin")).isTrue();
  }

  /** Regression: twelve spaces were taken as a new password; only the length was checked. */
  @Test
  void changePassword_blankOrFewDifferentCharacters_isRefusedNamingTheNewPassword()
      throws Exception {
    AdminAccounts a = AdminAccounts.open(tmp, "admin");
    String first = a.createFirstAdmin().orElseThrow();

    assertThatThrownBy(() -> a.changePassword("admin", first, " ".repeat(12)))
        .hasMessage("the new password must not be blank or only spaces");
    assertThatThrownBy(() -> a.changePassword("admin", first, "\t \u00a0\u200b".repeat(4)))
        .hasMessage("the new password must not be blank or only spaces");
    assertThatThrownBy(() -> a.changePassword("admin", first, "abcabcabcabcabc"))
        .hasMessage("the new password must have at least 6 different characters, not 3");
    assertThat(a.mustChange("admin")).isTrue();

    a.changePassword("admin", first, "abcdefabcdef");
    assertThat(a.mustChange("admin")).isFalse();
  }
}
