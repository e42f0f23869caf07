package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A name that is no user's is checked against a hash that costs what the users' hashes cost.
 *
 * <p>Regression: unknown names were checked against a hash made with the default parameters (19
 * MiB, two passes), while the configuration takes any Argon2id hash; users whose hashes were made
 * by another tool, with other parameters, answered in another time than names that are no one's,
 * which told an attacker which names are users'.
 */
class UnknownUserHashTest {

  /** A hash with the given parameters that reads (no password of the test needs to match it). */
  private static String hashWith(String parameters) {
    SecureRandom r = new SecureRandom();
    byte[] salt = new byte[16];
    byte[] hash = new byte[32];
    r.nextBytes(salt);
    r.nextBytes(hash);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$"
        + parameters
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }

  private static LocalUser user(String name, String hash) {
    return new LocalUser(name, "", List.of(), List.of(), hash, null);
  }

  @Test
  void unknownUserHash_hasTheParametersOfTheUsersHashes() {
    LocalUsers users =
        LocalUsers.of(
            List.of(
                user("ann", hashWith("m=65536,t=3,p=4")), user("bo", hashWith("m=65536,t=3,p=4"))));

    assertThat(PasswordHash.parameters(users.unknownUserHash())).isEqualTo("m=65536,t=3,p=4");
  }

  @Test
  void unknownUserHash_mixedParameters_takesTheMostCommonThenTheCostliest() {
    LocalUsers common =
        LocalUsers.of(
            List.of(
                user("ann", hashWith("m=8192,t=1,p=1")),
                user("bo", hashWith("m=8192,t=1,p=1")),
                user("cy", hashWith("m=65536,t=4,p=1"))));
    LocalUsers tie =
        LocalUsers.of(
            List.of(
                user("ann", hashWith("m=8192,t=1,p=1")), user("cy", hashWith("m=65536,t=4,p=1"))));

    assertThat(PasswordHash.parameters(common.unknownUserHash())).isEqualTo("m=8192,t=1,p=1");
    assertThat(PasswordHash.parameters(tie.unknownUserHash())).isEqualTo("m=65536,t=4,p=1");
  }

  @Test
  void unknownUserHash_withoutUsers_hasTheDefaultParameters() {
    String own = PasswordHash.hash("a pass phrase");

    assertThat(PasswordHash.parameters(LocalUsers.of(List.of()).unknownUserHash()))
        .isEqualTo(PasswordHash.parameters(own));
  }

  /** The sign-in checks an unknown name against it, and refuses it as a wrong password. */
  @Test
  void authenticate_unknownName_isRefusedLikeAWrongPassword() {
    InstantSource clock = InstantSource.system();
    SessionCodec codec =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    LocalAuthenticator auth =
        new LocalAuthenticator(List.of(user("ann", PasswordHash.hash("pw"))), codec, clock);

    LocalAuthenticator.Result unknown = auth.authenticate("nobody", "pw", null, null);
    LocalAuthenticator.Result wrong = auth.authenticate("ann", "not it", null, null);

    assertThat(unknown.session()).isNull();
    assertThat(unknown.refusal()).isEqualTo(wrong.refusal());
    assertThat(PasswordHash.verify("pw", auth.users().unknownUserHash())).isFalse();
  }
}
