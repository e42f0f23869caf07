package dev.vigil.gateway.auth;

import dev.vigil.gateway.http.GatewayCookies;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import dev.vigil.store.SessionSignOuts;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals sessions into cookies and opens them again: AES-256-GCM, so a cookie is both secret and
 * tamper-evident, with the cookie's logical name (without the {@code __Host-} prefix it has on TLS)
 * as associated data. A session expires after an idle time and after an absolute time whatever its
 * use; signed-out session ids are refused until they would have expired anyway, by every codec that
 * shares the {@link SessionSignOuts} (on every node of a store, and after restarts).
 *
 * <p>The absolute end of a session ({@link Session#endsAt}) is fixed when it starts, from the
 * lifetime of the node that starts it, and sealed in its cookie. A node opens a session only before
 * that end, and before its start plus its own lifetime, whichever comes first. So nodes that share
 * a store but not a lifetime agree on the last second any of them can accept a session, and a
 * sign-out is kept in the store until that second: before, it was kept until the end the
 * signing-out node computed from its own lifetime, and a node with a longer one accepted the cookie
 * again once the shorter node had removed the sign-out. A cookie without its end, sealed by an
 * older version, is refused (its owner signs in again): no node could tell how long to keep its
 * sign-out. Thread-safe.
 */
public final class SessionCodec {

  public static final String COOKIE = GatewayCookies.SESSION;

  /** Browsers keep cookies up to 4096 bytes, name and attributes included. */
  private static final int MAX_COOKIE = 3800;

  /** Session cookies of one request that a new sign-in ends, at most. */
  static final int MAX_PRESENTED = 8;

  private static final SecureRandom RANDOM = new SecureRandom();
  private final SecretKey key;
  private final Duration idle;
  private final Duration absolute;
  private final InstantSource clock;
  private final SessionSignOuts signedOut;

  /**
   * Builds a codec whose sign-outs are kept by this process only, forgotten when it ends: for tests
   * and tools without a store. A server passes the store's {@link SessionSignOuts} instead.
   *
   * @param key 32 bytes of key material; keep it secret and stable to keep sessions across restarts
   */
  public SessionCodec(byte[] key, Duration idle, Duration absolute, InstantSource clock) {
    this(key, idle, absolute, clock, SessionSignOuts.inMemory(clock));
  }

  /**
   * @param key 32 bytes of key material; keep it secret and stable to keep sessions across restarts
   * @param signedOut the sessions signed out, shared with the other nodes of the store; opened with
   *     the same {@code absolute} lifetime
   */
  public SessionCodec(
      byte[] key,
      Duration idle,
      Duration absolute,
      InstantSource clock,
      SessionSignOuts signedOut) {
    if (key.length != 32) {
      throw new IllegalArgumentException("session key must be 32 bytes, not " + key.length);
    }
    this.key = new SecretKeySpec(key.clone(), "AES");
    this.idle = idle;
    this.absolute = absolute;
    this.clock = clock;
    this.signedOut = signedOut;
  }

  /** Returns 32 random bytes for a session key. */
  public static byte[] newKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  /**
   * Starts a session for a local user who has just authenticated, here and now: confirmed fresh
   * (see {@link Session#confirmedAt}).
   */
  public Session start(LocalUser user, List<String> amr) {
    boolean mfa = amr.stream().anyMatch(Session.MFA_AMR::contains);
    long now = clock.instant().getEpochSecond();
    return start(user, amr, "", mfa, now, Session.LOCAL, null, 0).confirmed(now, 0);
  }

  /**
   * Starts a session with a fresh random id, ending this codec's absolute lifetime from now.
   *
   * @param refreshToken the provider's refresh token, or null
   * @param tokenExpiry when the provider's tokens expire (epoch seconds), or 0
   */
  public Session start(
      LocalUser user,
      List<String> amr,
      String acr,
      boolean mfa,
      long authTime,
      String provider,
      String refreshToken,
      long tokenExpiry) {
    long now = clock.instant().getEpochSecond();
    return new Session(
        newId(),
        user.username(),
        user.email(),
        user.roles(),
        user.groups(),
        amr,
        acr,
        mfa,
        authTime,
        provider,
        now,
        now,
        refreshToken,
        tokenExpiry,
        user.credentials(),
        now + absolute.toSeconds());
  }

  /**
   * Returns a session after a new authentication step (step-up): a new id, the new {@code amr},
   * {@code auth_time} now and confirmed fresh now, and the original start and end kept for the
   * absolute timeout.
   */
  public Session renewed(Session s, List<String> amr, boolean mfa) {
    long now = clock.instant().getEpochSecond();
    return new Session(
        newId(),
        s.userId(),
        s.email(),
        s.roles(),
        s.groups(),
        amr,
        s.acr(),
        mfa,
        now,
        s.provider(),
        s.issuedAt(),
        now,
        s.refreshToken(),
        s.tokenExpiry(),
        s.credentials(),
        now,
        0,
        s.endsAt());
  }

  private static String newId() {
    byte[] id = new byte[18];
    RANDOM.nextBytes(id);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(id);
  }

  /** Seals any text for a cookie of the given name (AES-256-GCM, the name as associated data). */
  public String sealText(String cookieName, String text) {
    return seal(text.getBytes(StandardCharsets.UTF_8), cookieName);
  }

  /** Opens what {@link #sealText} sealed; null when forged, altered or for another cookie. */
  public String openText(String cookieName, String value) {
    byte[] plain = open(value, cookieName);
    return plain == null ? null : new String(plain, StandardCharsets.UTF_8);
  }

  private String seal(byte[] plain, String aad) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      c.updateAAD(aad.getBytes(StandardCharsets.US_ASCII));
      byte[] sealed = c.doFinal(plain);
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal cookie", e);
    }
  }

  private byte[] open(String value, String aad) {
    if (value == null || value.isEmpty() || value.length() > 8192) {
      return null;
    }
    try {
      byte[] raw = Base64.getUrlDecoder().decode(value);
      if (raw.length < 12 + 16) {
        return null;
      }
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, raw, 0, 12));
      c.updateAAD(aad.getBytes(StandardCharsets.US_ASCII));
      return c.doFinal(raw, 12, raw.length - 12);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Seals a session into a cookie value. A session whose cookie would pass the 4096 bytes browsers
   * keep loses its refresh token rather than the whole sign-in; it then ends when its tokens
   * expire.
   */
  public String seal(Session s) {
    String sealed = seal(json(s).getBytes(StandardCharsets.UTF_8), COOKIE);
    if (sealed.length() > MAX_COOKIE && s.refreshToken() != null) {
      return seal(s.withoutRefreshToken());
    }
    return sealed;
  }

  private static String json(Session s) {
    Map<Value, Value> m = new HashMap<>();
    m.put(StringValue.of("id"), StringValue.of(s.id()));
    m.put(StringValue.of("sub"), StringValue.of(s.userId()));
    m.put(StringValue.of("email"), StringValue.of(s.email()));
    m.put(StringValue.of("roles"), strings(s.roles()));
    m.put(StringValue.of("groups"), strings(s.groups()));
    m.put(StringValue.of("amr"), strings(s.amr()));
    m.put(StringValue.of("acr"), StringValue.of(s.acr()));
    m.put(StringValue.of("mfa"), BooleanValue.of(s.mfa()));
    m.put(StringValue.of("auth_time"), NumberValue.of(s.authTime()));
    m.put(StringValue.of("idp"), StringValue.of(s.provider()));
    m.put(StringValue.of("iat"), NumberValue.of(s.issuedAt()));
    m.put(StringValue.of("seen"), NumberValue.of(s.lastSeen()));
    if (s.refreshToken() != null) {
      m.put(StringValue.of("rt"), StringValue.of(s.refreshToken()));
    }
    m.put(StringValue.of("exp"), NumberValue.of(s.tokenExpiry()));
    m.put(StringValue.of("cred"), StringValue.of(s.credentials()));
    m.put(StringValue.of("cat"), NumberValue.of(s.confirmedAt()));
    m.put(StringValue.of("cma"), NumberValue.of(s.confirmedMaxAge()));
    m.put(StringValue.of("end"), NumberValue.of(s.endsAt()));
    return Json.write(ObjectValue.wrap(m));
  }

  /**
   * Opens a cookie value; returns null when it is forged, altered, expired (idle, past its own end,
   * or older than this codec's absolute lifetime), signed out, or has no end (sealed by an older
   * version). The session returned has its last-seen time moved to now.
   */
  public Session open(String cookie) {
    Session s = unsealed(cookie);
    if (s == null) {
      return null;
    }
    long now = clock.instant().getEpochSecond();
    if (now > s.endsAt()
        || now - s.issuedAt() > absolute.toSeconds()
        || now - s.lastSeen() > idle.toSeconds()) {
      return null;
    }
    if (signedOut.refuses(s.id())) {
      return null;
    }
    return s.touched(now);
  }

  /** Returns the session a cookie value seals, whatever its times; null when it seals none. */
  private Session unsealed(String cookie) {
    if (cookie == null || cookie.isEmpty() || cookie.length() > 8192) {
      return null;
    }
    try {
      byte[] plain = open(cookie, COOKIE);
      if (plain == null) {
        return null;
      }
      return decode((ObjectValue) Json.parse(new String(plain, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      // A cookie sealed by an older version, or not a session: no one is signed in.
      return null;
    }
  }

  /**
   * Ends the sessions whose cookies a browser presents as it signs in afresh (or steps up), so that
   * a copy of an earlier cookie, taken before, is worth nothing once the new session begins: each
   * value that seals a session before its own end ({@link Session#endsAt}) is signed out as {@link
   * #signOut} does, also when its idle time is over here (a node with a longer idle time would
   * still take it) or it is signed out already (its sign-out may not be stored yet). Values that
   * seal no session are ignored; at most {@value #MAX_PRESENTED} are read.
   *
   * @param cookies the values of the session cookie the request carries (a browser may send more
   *     than one, see {@link dev.vigil.gateway.http.Cookies#values})
   * @return completes, never exceptionally, once every sign-out is stored ({@code true}; also when
   *     there was none) or one could not be ({@code false}: refused here all the same, and stored
   *     later); an answer that starts the new session should wait for it
   */
  public CompletableFuture<Boolean> endPresented(List<String> cookies) {
    long now = clock.instant().getEpochSecond();
    List<CompletableFuture<Boolean>> stored = new ArrayList<>();
    for (String cookie : cookies.subList(0, Math.min(cookies.size(), MAX_PRESENTED))) {
      Session s = unsealed(cookie);
      if (s != null && now <= s.endsAt()) {
        stored.add(signOut(s));
      }
    }
    CompletableFuture<Boolean> all = CompletableFuture.completedFuture(true);
    for (CompletableFuture<Boolean> f : stored) {
      all = all.thenCombine(f, Boolean::logicalAnd);
    }
    return all;
  }

  /**
   * Returns true when the session has been signed out since it was opened: a request that waited
   * (for a provider's refresh) checks again before it counts.
   */
  public boolean signedOut(Session s) {
    return signedOut.refuses(s.id());
  }

  /**
   * Signs a session out: its cookie is refused from now on by this codec, even if presented again,
   * and once stored by every codec sharing the sign-outs, after restarts too. The sign-out is kept
   * until the session's own end ({@link Session#endsAt}), past which no node accepts it whatever
   * its lifetime, and not until this codec's lifetime from the start, which a node configured with
   * a longer one would outlive.
   *
   * @return completes, never exceptionally, once the sign-out is stored ({@code true}) or could not
   *     be ({@code false}: logged, refused here all the same and stored later); an answer that
   *     confirms the sign-out should wait for it
   */
  public CompletableFuture<Boolean> signOut(Session s) {
    return signedOut.signOut(s.id(), s.issuedAt(), s.endsAt());
  }

  /**
   * Returns the session's {@code Set-Cookie} value: HttpOnly, SameSite=Lax, Path=/, and on TLS
   * Secure and named {@code __Host-vigil_session} (see {@link GatewayCookies#name}).
   */
  public static String cookie(String value, boolean tls, boolean expire) {
    return GatewayCookies.setCookie(COOKIE, expire ? "" : value, tls, "/", "Lax", expire ? 0 : -1);
  }

  private static ArrayValue strings(List<String> l) {
    List<Value> out = new ArrayList<>();
    l.forEach(x -> out.add(StringValue.of(x)));
    return ArrayValue.of(out);
  }

  private static Session decode(ObjectValue o) {
    Value rt = o.get("rt");
    return new Session(
        str(o, "id"),
        str(o, "sub"),
        str(o, "email"),
        list(o, "roles"),
        list(o, "groups"),
        list(o, "amr"),
        str(o, "acr"),
        o.get("mfa") == BooleanValue.TRUE,
        num(o, "auth_time"),
        str(o, "idp"),
        num(o, "iat"),
        num(o, "seen"),
        rt == null ? null : ((StringValue) rt).value(),
        num(o, "exp"),
        // Absent from cookies sealed before it was kept: a local one then no longer counts.
        o.get("cred") instanceof StringValue c ? c.value() : "",
        // Absent from cookies sealed before it was kept: never confirmed, as a plain sign-in.
        o.get("cat") == null ? 0 : num(o, "cat"),
        o.get("cma") == null ? StepUp.ANY_AGE : num(o, "cma"),
        // Absent from cookies sealed before it was kept: refused (see the class comment).
        num(o, "end"));
  }

  private static String str(ObjectValue o, String k) {
    return ((StringValue) o.get(k)).value();
  }

  private static long num(ObjectValue o, String k) {
    return ((NumberValue) o.get(k)).longValueExact();
  }

  private static List<String> list(ObjectValue o, String k) {
    List<String> out = new ArrayList<>();
    for (Value v : ((ArrayValue) o.get(k)).elements()) {
      out.add(((StringValue) v).value());
    }
    return out;
  }
}
