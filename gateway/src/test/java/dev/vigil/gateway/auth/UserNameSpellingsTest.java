package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.store.SignInFailures;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.store.TotpSteps;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: user names were looked up as typed but throttled in lower case (root locale). A name
 * spelt with the Kelvin sign, full-width letters or {@code ß} reached no user, and two configured
 * users whose names differ only in case ({@code Alice}, {@code alice}) shared one count, so guesses
 * at one locked the other out. Now both use {@link UserNames#key}, with the users of a real
 * configuration file and failures counted in a real store.
 */
class UserNameSpellingsTest {

  private static final String KELVIN = "\u212A";

  @TempDir Path tmp;

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-06T00:00:00Z"));
  private final InstantSource clock = () -> now.get();
  private Store store;
  private LocalAuthenticator auth;

  @BeforeEach
  void start() throws Exception {
    VigilConfig cfg =
        read(user("kate", "kate-pw") + user("josé", "jose-accent-pw") + user("jose", "jose-pw"));
    store = Store.open(StoreLocation.embedded(tmp.resolve("store")));
    SessionCodec sessions =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    SignInThrottle throttle =
        new SignInThrottle(SignInThrottle.Limits.DEFAULT, clock, SignInFailures.open(store));
    auth =
        new LocalAuthenticator(cfg.users(), sessions, clock, false, throttle, TotpSteps.inMemory());
  }

  @AfterEach
  void stop() {
    store.close();
  }

  private static String user(String name, String password) {
    return "  - username: \""
        + name
        + "\"\n    password_hash: \""
        + PasswordHash.hash(password)
        + "\"\n";
  }

  private VigilConfig read(String users) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, "users:\n" + users);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  @Test
  void authenticate_spellingsOfOneName_signInAsTheConfiguredUser() {
    for (String spelling :
        List.of("KATE", KELVIN + "ate", "\uFF4B\uFF41\uFF54\uFF45", "ka\u200Bte", "Kat\u0301e")) {
      LocalAuthenticator.Result r = auth.authenticate(spelling, "kate-pw", null, "10.0.0.1");
      if (spelling.equals("Kat\u0301e")) {
        assertThat(r.session()).as("an accent is a letter of its own, not a spelling").isNull();
        continue;
      }
      assertThat(r.session()).as(spelling).isNotNull();
      assertThat(r.session().userId()).as(spelling).isEqualTo("kate");
    }
    assertThat(auth.authenticate("STRASSE", "x", null, "10.0.0.1").session()).isNull();
  }

  @Test
  void authenticate_failuresUnderSpellingsOfOneName_lockThatAccount() {
    List<String> spellings =
        List.of("kate", "KATE", KELVIN + "ate", "\uFF2B\uFF21\uFF34\uFF25", "k\u00ADate");
    for (int i = 0; i < spellings.size(); i++) {
      // A new address each time: only the account's count can lock.
      assertThat(auth.authenticate(spellings.get(i), "wrong", null, "10.0.1." + i).throttled())
          .as(spellings.get(i))
          .isFalse();
    }

    LocalAuthenticator.Result right = auth.authenticate("kate", "kate-pw", null, "10.0.2.1");

    assertThat(right.throttled()).as("five wrong guesses, under five spellings").isTrue();
    assertThat(right.session()).isNull();
  }

  @Test
  void authenticate_failuresAtAnotherAccountsSpellings_leaveThisOneOpen() {
    for (int i = 0; i < 5; i++) {
      auth.authenticate(i % 2 == 0 ? "JOSÉ" : "Jose\u0301", "wrong", null, "10.0.3." + i);
    }
    assertThat(auth.authenticate("josé", "jose-accent-pw", null, "10.0.4.1").throttled())
        .as("josé is locked")
        .isTrue();

    LocalAuthenticator.Result jose = auth.authenticate("JOSE", "jose-pw", null, "10.0.4.2");

    assertThat(jose.session()).as("jose is another account, with a count of its own").isNotNull();
    assertThat(jose.session().userId()).isEqualTo("jose");
  }

  @Test
  void read_twoUsersWithOneKey_refusedNamingBothAndTheFirstLine() {
    for (String[] pair :
        new String[][] {
          {"alice", "Alice"}, {"kate", KELVIN + "ate"}, {"strasse", "straße"}, {"ivan", "\u0131van"}
        }) {
      assertThatThrownBy(() -> read(user(pair[0], "a") + user(pair[1], "b")))
          .as(pair[1])
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("vigil.yaml:4: users[1].username: local users \"" + pair[0])
          .hasMessageContaining("name one account")
          .hasMessageContaining("(first on line 2)");
    }
  }

  @Test
  void read_nameOfInvisibleCharactersOnly_refused() {
    assertThatThrownBy(() -> read(user("\u200B\u00AD", "a")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("users[0].username: a user needs a name with a visible character");
  }

  @Test
  void key_isIdempotentForEveryCodePoint() {
    for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
      if (Character.getType(c) == Character.SURROGATE || !Character.isDefined(c)) {
        continue;
      }
      String once = UserNames.key("a" + Character.toString(c) + "I");
      assertThat(UserNames.key(once)).as("U+%04X", c).isEqualTo(once);
    }
  }
}
