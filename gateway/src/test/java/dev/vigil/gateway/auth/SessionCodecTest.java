package dev.vigil.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SessionCodecTest {

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-12-04T10:00:00Z"));
  private final SessionCodec codec =
      new SessionCodec(
          SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), () -> now.get());
  private final LocalUser bob =
      new LocalUser("bob", "bob@example.com", List.of("dev"), List.of("eng"), "x", null);

  /** The session key of the nodes made by {@link #node}. */
  private final byte[] sharedKey = SessionCodec.newKey();

  @Test
  void sealThenOpen_roundTrips_withFreshIdPerSignIn() {
    Session s = codec.start(bob, List.of("pwd"));

    Session back = codec.open(codec.seal(s));

    assertThat(back.userId()).isEqualTo("bob");
    assertThat(back.roles()).containsExactly("dev");
    assertThat(codec.start(bob, List.of("pwd")).id()).isNotEqualTo(s.id());
  }

  @Test
  void open_alteredOrForeignCookie_isNull() {
    String sealed = codec.seal(codec.start(bob, List.of("pwd")));
    char[] c = sealed.toCharArray();
    c[20] = c[20] == 'A' ? 'B' : 'A';

    assertThat(codec.open(new String(c))).isNull();
    SessionCodec other =
        new SessionCodec(
            SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), () -> now.get());
    assertThat(other.open(sealed)).isNull();
    assertThat(codec.open("not base64 !!")).isNull();
  }

  @Test
  void open_afterIdleOrAbsoluteTimeout_isNull() {
    Session s = codec.start(bob, List.of("pwd"));
    String sealed = codec.seal(s);

    now.set(now.get().plus(Duration.ofMinutes(29)));
    Session kept = codec.open(sealed);
    assertThat(kept).isNotNull();
    String renewed = codec.seal(kept);
    now.set(now.get().plus(Duration.ofMinutes(29)));
    assertThat(codec.open(sealed)).as("idle since sign-in").isNull();
    assertThat(codec.open(renewed)).as("renewed at the last request").isNotNull();

    now.set(now.get().plus(Duration.ofHours(8)));
    assertThat(codec.open(renewed)).isNull();
  }

  private SessionCodec node(Duration absolute) {
    return new SessionCodec(sharedKey, Duration.ofMinutes(30), absolute, () -> now.get());
  }

  @Test
  void open_onNodeWithLongerLifetime_endsAtTheEndTheStartingNodeSealed() {
    SessionCodec shortNode = node(Duration.ofHours(8));
    SessionCodec longNode = node(Duration.ofHours(24));
    Session fromShort = shortNode.start(bob, List.of("pwd"));
    Session fromLong = longNode.start(bob, List.of("pwd"));
    assertThat(fromShort.endsAt()).isEqualTo(fromShort.issuedAt() + 8 * 3600);
    assertThat(fromLong.endsAt()).isEqualTo(fromLong.issuedAt() + 24 * 3600);

    now.set(now.get().plus(Duration.ofHours(8)).plusSeconds(1));

    assertThat(longNode.open(seenNow(fromShort))).as("past its own end").isNull();
    assertThat(shortNode.open(seenNow(fromLong))).as("past the short node's lifetime").isNull();
    assertThat(longNode.open(seenNow(fromLong))).isNotNull();
  }

  @Test
  void renewed_stepUp_keepsTheEndOfTheSessionItRenews() {
    SessionCodec shortNode = node(Duration.ofHours(8));
    SessionCodec longNode = node(Duration.ofHours(24));
    Session s = shortNode.start(bob, List.of("pwd"));
    now.set(now.get().plus(Duration.ofHours(7)));

    Session stepped = longNode.renewed(s, List.of("pwd", "otp"), true);

    assertThat(stepped.endsAt()).isEqualTo(s.endsAt());
    now.set(now.get().plus(Duration.ofHours(1)).plusSeconds(1));
    assertThat(longNode.open(seenNow(stepped))).isNull();
  }

  /**
   * Regression: a cookie sealed before sessions carried their end was accepted, and its sign-out
   * kept only for the lifetime of the node that signed it out, which another node could outlive.
   */
  @Test
  void open_cookieWithoutItsEnd_isRefused() {
    long t = now.get().getEpochSecond();
    String withoutEnd =
        "{\"id\":\"old\",\"sub\":\"bob\",\"email\":\"\",\"roles\":[],\"groups\":[],"
            + "\"amr\":[\"pwd\"],\"acr\":\"\",\"mfa\":false,\"auth_time\":"
            + t
            + ",\"idp\":\"local\",\"iat\":"
            + t
            + ",\"seen\":"
            + t
            + ",\"exp\":0,\"cred\":\"\"";

    assertThat(
            codec.open(
                codec.sealText(SessionCodec.COOKIE, withoutEnd + ",\"end\":" + (t + 60) + "}")))
        .as("the same cookie with its end")
        .isNotNull();
    assertThat(codec.open(codec.sealText(SessionCodec.COOKIE, withoutEnd + "}"))).isNull();
  }

  /** Seals the session as the last request left it: seen now, so the idle time does not count. */
  private String seenNow(Session s) {
    return node(Duration.ofHours(1)).seal(s.touched(now.get().getEpochSecond()));
  }

  @Test
  void signOut_refusesTheSameSessionAgain() {
    Session s = codec.start(bob, List.of("pwd"));
    String sealed = codec.seal(s);

    codec.signOut(s);

    assertThat(codec.open(sealed)).isNull();
  }

  @Test
  void passwordHash_verifiesOnlyTheRightPassword() {
    String h = PasswordHash.hash("s3cret");

    assertThat(h).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
    assertThat(PasswordHash.verify("s3cret", h)).isTrue();
    assertThat(PasswordHash.verify("s3cret!", h)).isFalse();
    assertThat(PasswordHash.verify("s3cret", "$argon2id$v=19$m=1,t=1,p=1$AA$AA")).isFalse();
    assertThat(PasswordHash.verify("s3cret", "plain")).isFalse();
  }

  @Test
  void seal_providerSession_roundTripsItsTokensAndFactors() {
    var clock = java.time.InstantSource.fixed(java.time.Instant.parse("2026-12-04T12:00:00Z"));
    SessionCodec c =
        new SessionCodec(SessionCodec.newKey(), Duration.ofMinutes(30), Duration.ofHours(8), clock);
    LocalUser u = new LocalUser("alice", "a@example.com", List.of("sre"), List.of(), "", null);
    Session s =
        c.start(u, List.of("pwd", "otp"), "urn:mfa", true, 1_700_000_000L, "corp", "rt", 99);

    Session back = c.open(c.seal(s));

    assertThat(back.acr()).isEqualTo("urn:mfa");
    assertThat(back.mfa()).isTrue();
    assertThat(back.provider()).isEqualTo("corp");
    assertThat(back.refreshToken()).isEqualTo("rt");
    assertThat(back.tokenExpiry()).isEqualTo(99);
    assertThat(back.authTime()).isEqualTo(1_700_000_000L);
  }

  @Test
  void localSignInAndStepUp_confirmedFreshNow_andSoKeptWhenSealed() {
    long at = now.get().getEpochSecond();
    Session s = codec.start(bob, List.of("pwd"));
    now.set(now.get().plusSeconds(40));

    Session back = codec.open(codec.seal(s));
    Session renewed = codec.open(codec.seal(codec.renewed(back, List.of("pwd", "otp"), true)));

    assertThat(back.confirmedAt()).isEqualTo(at);
    assertThat(back.confirmedMaxAge()).isZero();
    assertThat(renewed.confirmedAt()).isEqualTo(at + 40);
    assertThat(renewed.authTime()).isEqualTo(at + 40);
  }

  @Test
  void providerSignIn_notConfirmedByTheGateway() {
    Session s = codec.start(bob, List.of("pwd"), "", false, 1_700_000_000L, "corp", null, 0);

    Session back = codec.open(codec.seal(s));

    assertThat(back.confirmedAt()).isZero();
    assertThat(back.confirmedMaxAge()).isEqualTo(StepUp.ANY_AGE);
  }

  @Test
  void seal_refreshTokenTooLargeForACookie_isDroppedNotTheSession() {
    SessionCodec c =
        new SessionCodec(
            SessionCodec.newKey(),
            Duration.ofMinutes(30),
            Duration.ofHours(8),
            java.time.InstantSource.system());
    LocalUser u = new LocalUser("alice", "", List.of(), List.of(), "", null);
    Session s = c.start(u, List.of("pwd"), "", false, 0, "corp", "x".repeat(5000), 99);

    String sealed = c.seal(s);

    assertThat(sealed.length()).isLessThan(4000);
    assertThat(c.open(sealed).refreshToken()).isNull();
    assertThat(c.open(sealed).userId()).isEqualTo("alice");
  }
}
