package dev.vigil.gateway.auth;

import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AccessTokenResponse;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.AuthorizationGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.RefreshTokenGrant;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.oauth2.sdk.token.RefreshToken;
import com.nimbusds.oauth2.sdk.token.Tokens;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.Prompt;
import com.nimbusds.openid.connect.sdk.claims.ACR;
import dev.vigil.store.StoreException;
import dev.vigil.store.UsedOnce;
import java.io.IOException;
import java.net.URI;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One OpenID Connect provider: sign-in with the authorization code flow and PKCE (S256), {@code
 * state} and {@code nonce} bound to a short-lived sealed cookie; step-up sign-in for a second
 * factor; token refresh; and bearer tokens of API clients. Keys and endpoints come from discovery
 * ({@link OidcDiscovery}); every token is checked with the configured algorithms only ({@link
 * TokenCheck}), never the token's own choice.
 *
 * <p>The callback refuses, before redeeming the code, a request whose {@code state} is missing,
 * differs from the cookie's, or was used already (the cookie is deleted on first use): case C10. A
 * step-up sign-in ({@link StepUp}) asks the provider for a fresh login ({@code prompt=login}, and
 * {@code max_age}: the step-up's, or 0) and, for a second factor, a multi-factor {@code acr} when
 * configured; its callback then requires an {@code auth_time} claim after the step-up began, no
 * older than the step-up's {@code max_age} at its start on the gateway's clock (with {@link
 * StepUp#CLOCK_SKEW_S} of skew), and where asked a second factor in {@code amr} or {@code acr}. A
 * provider that ignores {@code max_age} is refused there, once, rather than trusted or sent back in
 * a loop. Thread-safe; its HTTP calls block, so callers run them off the event loop.
 */
public final class OidcLogin {

  /** The cookie that carries state, nonce, PKCE verifier and target between start and callback. */
  public static final String COOKIE = dev.vigil.gateway.http.GatewayCookies.OIDC;

  private static final Duration SIGN_IN_TIME = Duration.ofMinutes(10);
  private static final long SKEW_S = 60;

  /**
   * Settings of one provider.
   *
   * @param name the provider's name in configuration, routes and sessions
   * @param issuer the provider's issuer URL (discovery at /.well-known/openid-configuration)
   * @param clientId the client id registered with the provider
   * @param clientSecret the client secret
   * @param redirectUri the gateway's callback, e.g. https://gw.example.com/auth/callback
   * @param algorithms the token signature algorithms accepted (asymmetric only)
   * @param scopes the scopes asked at sign-in
   * @param audiences the audiences a bearer token must name one of
   * @param mfaAcr {@code acr} values that mean a second factor; the first is asked at step-up
   * @param mfaAmr {@code amr} values that mean a second factor
   * @param jwksMinInterval the least time between two reads of the JWKS
   */
  public record Config(
      String name,
      URI issuer,
      String clientId,
      String clientSecret,
      URI redirectUri,
      List<String> algorithms,
      List<String> scopes,
      List<String> audiences,
      List<String> mfaAcr,
      List<String> mfaAmr,
      Duration jwksMinInterval) {

    public Config {
      if (algorithms.isEmpty()) {
        throw new IllegalArgumentException("provider " + name + ": no token algorithm configured");
      }
      for (String a : algorithms) {
        // HMAC would make the provider's public key a shared secret (case C08).
        if (!a.matches("(RS|PS|ES)(256|384|512)|EdDSA")) {
          throw new IllegalArgumentException(
              "provider " + name + ": \"" + a + "\" is not an asymmetric JWS algorithm");
        }
      }
      algorithms = List.copyOf(algorithms);
      scopes = List.copyOf(scopes);
      audiences = List.copyOf(audiences.isEmpty() ? List.of(clientId) : audiences);
      mfaAcr = List.copyOf(mfaAcr);
      mfaAmr = List.copyOf(mfaAmr);
    }

    /** A provider named {@code default} with the usual scopes and second-factor markers. */
    public Config(
        URI issuer,
        String clientId,
        String clientSecret,
        URI redirectUri,
        List<String> algorithms) {
      this(
          "default",
          issuer,
          clientId,
          clientSecret,
          redirectUri,
          algorithms,
          List.of("openid", "email", "profile"),
          List.of(),
          List.of(),
          List.copyOf(Session.MFA_AMR),
          Duration.ofSeconds(30));
    }
  }

  /** A sign-in under way: where to send the browser, and the cookie to set. */
  public record Start(URI authorizationUrl, String cookieValue) {}

  /**
   * The outcome of a callback or refresh: a session and where to go, or the refusal.
   *
   * @param stepUpRefused true when a step-up sign-in was refused because the provider did not show
   *     what the step-up asked (a second factor, a fresh enough {@code auth_time}); the refusal
   *     then quotes nothing of the request, and may be shown to the person
   */
  public record Result(Session session, String rd, String refusal, boolean stepUpRefused) {

    public Result(Session session, String rd, String refusal) {
      this(session, rd, refusal, false);
    }

    static Result refused(String why) {
      return new Result(null, null, why);
    }

    static Result stepUpRefused(String why) {
      return new Result(null, null, why, true);
    }
  }

  private final Config config;
  private final SessionCodec sessions;
  private final InstantSource clock;
  private final OidcDiscovery discovery;
  private final TokenCheck check;

  /** States already used, until their sign-in would have expired: a replay is refused. */
  private final UsedOnce usedStates;

  /** Refreshes just made, by session id, so parallel requests do not spend one token twice. */
  private final Map<String, Session> refreshed = new ConcurrentHashMap<>();

  /** A provider whose used states this process keeps (one node). */
  public OidcLogin(Config config, SessionCodec sessions, InstantSource clock) {
    this(config, sessions, clock, UsedOnce.inMemory(clock));
  }

  /**
   * @param usedStates where the states of completed callbacks are kept: in the store the nodes
   *     share, so that a callback replayed to another node is refused there too
   */
  public OidcLogin(Config config, SessionCodec sessions, InstantSource clock, UsedOnce usedStates) {
    this(config, sessions, clock, ProviderHttp.DEADLINE, usedStates);
  }

  /** A provider each of whose HTTP calls, answer included, must end within {@code deadline}. */
  OidcLogin(Config config, SessionCodec sessions, InstantSource clock, Duration deadline) {
    this(config, sessions, clock, deadline, UsedOnce.inMemory(clock));
  }

  private OidcLogin(
      Config config,
      SessionCodec sessions,
      InstantSource clock,
      Duration deadline,
      UsedOnce usedStates) {
    this.config = config;
    this.sessions = sessions;
    this.clock = clock;
    this.usedStates = usedStates;
    this.discovery = new OidcDiscovery(config, clock, new ProviderHttp(deadline));
    this.check = new TokenCheck(discovery, clock);
  }

  public Config config() {
    return config;
  }

  /** Returns the provider's signing keys (for tests and metrics). */
  public JwksCache keys() {
    return discovery.keys();
  }

  /** Begins a sign-in that returns to {@code rd} (already checked by the caller). */
  public Start start(String rd) throws IOException {
    return start(rd, false);
  }

  /**
   * Begins a sign-in; with {@code stepUp}, one that must show a fresh second factor.
   *
   * @param rd where to go afterwards, already checked by the caller
   */
  public Start start(String rd, boolean stepUp) throws IOException {
    return start(rd, stepUp ? StepUp.MFA : null);
  }

  /**
   * Begins a sign-in; with a {@code stepUp}, a fresh one that must show what it asks.
   *
   * @param rd where to go afterwards, already checked by the caller
   * @param stepUp what the sign-in must show, or null for a plain sign-in
   */
  public Start start(String rd, StepUp stepUp) throws IOException {
    State state = new State(32);
    Nonce nonce = new Nonce(32);
    CodeVerifier verifier = new CodeVerifier();
    AuthenticationRequest.Builder req =
        new AuthenticationRequest.Builder(
                new ResponseType("code"),
                new Scope(config.scopes().toArray(String[]::new)),
                new ClientID(config.clientId()),
                config.redirectUri())
            .endpointURI(discovery.metadata().getAuthorizationEndpointURI())
            .state(state)
            .nonce(nonce)
            .codeChallenge(verifier, CodeChallengeMethod.S256);
    if (stepUp != null) {
      // OpenID Connect Core 3.1.2.1: force a new authentication (prompt=login), and say how old
      // it may be (max_age, which also makes auth_time required); ask for MFA by acr.
      req.prompt(new Prompt(Prompt.Type.LOGIN))
          .maxAge(stepUp.limitsAge() ? (int) Math.min(stepUp.maxAge(), Integer.MAX_VALUE) : 0);
      if (stepUp.mfa() && !config.mfaAcr().isEmpty()) {
        req.acrValues(List.of(new ACR(config.mfaAcr().get(0))));
      }
    }
    long now = clock.instant().getEpochSecond();
    String cookie =
        sessions.sealText(
            COOKIE,
            String.join(
                "\n",
                state.getValue(),
                nonce.getValue(),
                verifier.getValue(),
                Long.toString(now + SIGN_IN_TIME.toSeconds()),
                stepUp == null ? "0" : stepUpPart(now, stepUp),
                config.name(),
                rd));
    return new Start(req.build().toURI(), cookie);
  }

  /** The step-up part of the sign-in cookie: when it began, whether MFA is asked, max_age. */
  private static String stepUpPart(long now, StepUp stepUp) {
    return now + ":" + (stepUp.mfa() ? "mfa" : "any") + ":" + stepUp.maxAge();
  }

  /**
   * Reads {@link #stepUpPart}: null for a plain sign-in. A cookie of a version before max_age holds
   * the start alone, which asked for a second factor of any age.
   */
  private static StepUp stepUpOf(String part) {
    String[] p = part.split(":", 3);
    if (p.length == 1) {
      return Long.parseLong(p[0]) > 0 ? StepUp.MFA : null;
    }
    return new StepUp(p[1].equals("mfa"), Long.parseLong(p[2]));
  }

  private static long stepUpStart(String part) {
    return Long.parseLong(part.split(":", 2)[0]);
  }

  /** Returns the provider name a sign-in cookie belongs to, or null when it cannot be read. */
  public static String providerOf(SessionCodec sessions, String cookie) {
    String opened = cookie == null ? null : sessions.openText(COOKIE, cookie);
    String[] parts = opened == null ? new String[0] : opened.split("\n", 7);
    return parts.length == 7 ? parts[5] : null;
  }

  /** Completes a sign-in (without the RFC 9207 {@code iss} parameter). */
  public Result callback(String code, String state, String cookie) throws IOException {
    return callback(code, state, null, cookie);
  }

  /**
   * Completes a sign-in: checks {@code state} against the cookie, redeems the code with the PKCE
   * verifier, and checks the ID token (signature, issuer, audience, expiry, nonce) and, for a
   * step-up, the fresh second factor.
   *
   * @param iss the callback's {@code iss} parameter (RFC 9207), or null when the provider sends
   *     none
   */
  public Result callback(String code, String state, String iss, String cookie) throws IOException {
    String opened = cookie == null ? null : sessions.openText(COOKIE, cookie);
    if (opened == null) {
      return Result.refused("no sign-in under way for this browser");
    }
    String[] parts = opened.split("\n", 7);
    if (parts.length != 7
        || state == null
        || !MessageDigest.isEqual(parts[0].getBytes(), state.getBytes())) {
      return Result.refused("state does not match this browser's sign-in");
    }
    long now = clock.instant().getEpochSecond();
    long until = Long.parseLong(parts[3]);
    if (now > until) {
      return Result.refused("the sign-in took too long");
    }
    try {
      if (!usedStates.use("oidc-state:" + config.issuer() + ":" + parts[0], until)) {
        return Result.refused("state already used");
      }
    } catch (StoreException e) {
      return Result.refused("the state's use cannot be recorded: " + e.getMessage());
    }
    if (iss != null && !iss.equals(config.issuer().toString())) {
      return Result.refused("the response comes from issuer " + iss);
    }
    if (code == null || code.isBlank()) {
      return Result.refused("no authorization code");
    }
    AuthorizationGrant grant =
        new AuthorizationCodeGrant(
            new AuthorizationCode(code), config.redirectUri(), new CodeVerifier(parts[2]));
    return signIn(grant, parts[1], stepUpStart(parts[4]), stepUpOf(parts[4]), parts[6]);
  }

  private Result signIn(
      AuthorizationGrant grant, String nonce, long stepUpAt, StepUp stepUp, String rd)
      throws IOException {
    Object answer = redeem(grant);
    if (answer instanceof String refusal) {
      return Result.refused(refusal);
    }
    if (!(answer instanceof OIDCTokenResponse oidc)) {
      return Result.refused("the token response carries no ID token");
    }
    JWTClaimsSet c;
    try {
      c = idToken(oidc.getOIDCTokens().getIDToken());
    } catch (TokenCheck.Refused e) {
      return Result.refused("ID token refused: " + e.getMessage());
    }
    if (!nonce.equals(str(c, "nonce"))) {
      return Result.refused("ID token refused: nonce does not match this sign-in");
    }
    Tokens t = oidc.getTokens();
    Session s = sessionFrom(c, refreshOf(t, null), expiry(c, t));
    if (stepUp == null) {
      return new Result(s, rd, null);
    }
    String refusal = stepUpRefusal(stepUp, stepUpAt, s, c);
    if (refusal != null) {
      return Result.stepUpRefused(refusal);
    }
    return new Result(s.confirmed(clock.instant().getEpochSecond(), stepUp.maxAge()), rd, null);
  }

  /**
   * Returns why a step-up sign-in does not show what {@code stepUp} asked, or null when it does.
   *
   * <p>The age is measured, as OpenID Connect Core 3.1.2.1 defines {@code max_age}, from when the
   * gateway asked: the start of the step-up round, on the gateway's clock, with {@link
   * StepUp#CLOCK_SKEW_S} of skew. So with {@code max_age} 0 an {@code auth_time} at or after that
   * start (or a few seconds before) counts, though it is older than 0 s by the time the callback
   * comes. A provider that ignored max_age (or whose clock is behind by more than the skew) is
   * refused here, once, rather than sent back to in a loop; the session given otherwise is
   * confirmed for this max_age ({@link Session#confirmed}), so the same step-up does not ask again
   * when the browser comes back ({@link StepUp#metBy}).
   */
  private String stepUpRefusal(StepUp stepUp, long stepUpAt, Session s, JWTClaimsSet c) {
    if (c.getClaim("auth_time") == null) {
      // OpenID Connect Core 3.1.2.1: with max_age, auth_time is required.
      return "the provider did not say when it authenticated you (no auth_time)";
    }
    if (stepUp.mfa() && !s.mfa()) {
      return "the provider did not confirm a second factor";
    }
    if (s.authTime() < stepUpAt - SKEW_S) {
      return "the provider did not authenticate afresh (auth_time too old)";
    }
    // How old the authentication was when the gateway asked for it.
    long age = stepUpAt - s.authTime();
    if (stepUp.limitsAge() && age > stepUp.maxAge() + StepUp.CLOCK_SKEW_S) {
      return "the provider's authentication is "
          + age
          + " s old, older than the "
          + stepUp.maxAge()
          + " s asked (max_age)";
    }
    return null;
  }

  /**
   * Refreshes the provider's tokens of a session (OpenID Connect Core section 12). A new ID token
   * must name the same subject; its e-mail, roles and groups replace the old ones, while {@code
   * amr}, {@code acr} and {@code auth_time} stay those of the sign-in.
   */
  public Result refresh(Session s) throws IOException {
    long now = clock.instant().getEpochSecond();
    refreshed.values().removeIf(r -> r.tokenExpiry() <= now);
    Session done = refreshed.get(s.id());
    if (done != null) {
      return new Result(done, null, null);
    }
    if (s.refreshToken() == null) {
      return Result.refused("no refresh token");
    }
    Object answer = redeem(new RefreshTokenGrant(new RefreshToken(s.refreshToken())));
    if (answer instanceof String refusal) {
      return Result.refused(refusal);
    }
    AccessTokenResponse ok = (AccessTokenResponse) answer;
    Session next;
    if (ok instanceof OIDCTokenResponse oidc && oidc.getOIDCTokens().getIDToken() != null) {
      JWTClaimsSet c;
      try {
        c = idToken(oidc.getOIDCTokens().getIDToken());
      } catch (TokenCheck.Refused e) {
        return Result.refused("refreshed ID token refused: " + e.getMessage());
      }
      if (!s.userId().equals(c.getSubject())) {
        return Result.refused("refreshed ID token names another subject");
      }
      next =
          s.refreshed(
              orElse(str(c, "email"), s.email()),
              strings(c, "roles"),
              strings(c, "groups"),
              refreshOf(ok.getTokens(), s.refreshToken()),
              expiry(c, ok.getTokens()));
    } else {
      next =
          s.refreshed(
              s.email(),
              s.roles(),
              s.groups(),
              refreshOf(ok.getTokens(), s.refreshToken()),
              expiry(null, ok.getTokens()));
    }
    refreshed.put(s.id(), next);
    return new Result(next, null, null);
  }

  /**
   * Checks a bearer token of an API client and returns the caller it names, or the refusal. Nothing
   * is fetched but the provider's own JWKS.
   */
  public Result bearer(String token) {
    try {
      String issuer = discovery.metadata().getIssuer().getValue();
      JWTClaimsSet c = check.check(token, issuer, config.audiences());
      long exp = c.getExpirationTime().toInstant().getEpochSecond();
      return new Result(sessionFrom(c, null, exp), null, null);
    } catch (TokenCheck.Refused e) {
      return Result.refused(e.getMessage());
    } catch (IOException e) {
      return Result.refused("the provider's keys cannot be read: " + e.getMessage());
    }
  }

  /** Returns the token response, or a String saying why there is none. */
  private Object redeem(AuthorizationGrant grant) throws IOException {
    TokenRequest tr =
        new TokenRequest(
            discovery.metadata().getTokenEndpointURI(),
            new ClientSecretBasic(
                new ClientID(config.clientId()), new Secret(config.clientSecret())),
            grant);
    TokenResponse resp;
    try {
      resp = OIDCTokenResponseParser.parse(tr.toHTTPRequest().send(discovery.http()));
    } catch (ParseException e) {
      return "token response unreadable: " + e.getMessage();
    }
    if (!resp.indicatesSuccess()) {
      return "the provider refused: " + resp.toErrorResponse().getErrorObject().getCode();
    }
    return resp.toSuccessResponse();
  }

  private JWTClaimsSet idToken(JWT token) throws TokenCheck.Refused, IOException {
    if (token == null) {
      throw new TokenCheck.Refused("no ID token");
    }
    String issuer = discovery.metadata().getIssuer().getValue();
    JWTClaimsSet c = check.check(token.serialize(), issuer, List.of(config.clientId()));
    // OpenID Connect Core 3.1.3.7: with several audiences, azp must be this client.
    String azp = str(c, "azp");
    if (c.getAudience().size() > 1 && !config.clientId().equals(azp)) {
      throw new TokenCheck.Refused("ID token for several audiences, azp \"" + azp + "\"");
    }
    return c;
  }

  private long expiry(JWTClaimsSet c, Tokens t) {
    long exp = c == null ? Long.MAX_VALUE : c.getExpirationTime().toInstant().getEpochSecond();
    long life = t.getAccessToken().getLifetime();
    if (life > 0) {
      exp = Math.min(exp, clock.instant().getEpochSecond() + life);
    }
    return exp == Long.MAX_VALUE ? 0 : exp;
  }

  private static String refreshOf(Tokens t, String old) {
    return t.getRefreshToken() == null ? old : t.getRefreshToken().getValue();
  }

  private Session sessionFrom(JWTClaimsSet c, String refresh, long expiry) {
    return ProviderClaims.session(c, config, sessions, refresh, expiry);
  }

  private static String orElse(String v, String fallback) {
    return v == null ? fallback : v;
  }

  private static String str(JWTClaimsSet c, String name) {
    return ProviderClaims.str(c, name);
  }

  private static List<String> strings(JWTClaimsSet c, String name) {
    return ProviderClaims.strings(c, name);
  }
}
