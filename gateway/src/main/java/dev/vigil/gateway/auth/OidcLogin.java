package dev.vigil.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Sign-in through any standards-compliant OpenID Connect provider: the authorization code flow with
 * PKCE (S256), {@code state} and {@code nonce} bound to a short-lived sealed cookie, provider
 * discovery, and ID-token validation with keys from the provider's JWKS (rotation followed) and
 * only the algorithms configured here, never the token's own choice.
 *
 * <p>The callback refuses, before redeeming the code, a request whose {@code state} is missing,
 * differs from the cookie's, or was used already (the cookie is deleted on first use): case C10.
 * Thread-safe; its HTTP calls block, so callers run them off the event loop.
 */
public final class OidcLogin {

  /** The cookie that carries state, nonce, PKCE verifier and target between start and callback. */
  public static final String COOKIE = "vigil_oidc";

  /**
   * Settings of one provider.
   *
   * @param issuer the provider's issuer URL (discovery at /.well-known/openid-configuration)
   * @param clientId the client id registered with the provider
   * @param clientSecret the client secret
   * @param redirectUri the gateway's callback, e.g. https://gw.example.com/auth/callback
   * @param algorithms the ID-token signature algorithms accepted
   */
  public record Config(
      URI issuer, String clientId, String clientSecret, URI redirectUri, List<String> algorithms) {}

  /** A sign-in under way: where to send the browser, and the cookie to set. */
  public record Start(URI authorizationUrl, String cookieValue) {}

  private final Config config;
  private final SessionCodec sessions;
  private final InstantSource clock;
  private volatile OIDCProviderMetadata metadata;

  /** States already used, until their sign-in would have expired: a replay is refused. */
  private final java.util.Map<String, Long> usedStates =
      new java.util.concurrent.ConcurrentHashMap<>();

  private volatile List<IDTokenValidator> validators;

  public OidcLogin(Config config, SessionCodec sessions, InstantSource clock) {
    this.config = config;
    this.sessions = sessions;
    this.clock = clock;
  }

  private OIDCProviderMetadata metadata() throws IOException {
    OIDCProviderMetadata m = metadata;
    if (m == null) {
      try {
        m = OIDCProviderMetadata.resolve(new Issuer(config.issuer().toString()));
      } catch (com.nimbusds.oauth2.sdk.GeneralException e) {
        throw new IOException(
            "OIDC discovery at " + config.issuer() + " failed: " + e.getMessage(), e);
      }
      URL jwks = m.getJWKSetURI().toURL();
      List<IDTokenValidator> vs = new ArrayList<>();
      for (String alg : config.algorithms()) {
        vs.add(
            new IDTokenValidator(
                m.getIssuer(), new ClientID(config.clientId()), JWSAlgorithm.parse(alg), jwks));
      }
      validators = vs;
      metadata = m;
    }
    return m;
  }

  /** Begins a sign-in that returns to {@code rd} (already checked by the caller). */
  public Start start(String rd) throws IOException {
    OIDCProviderMetadata m = metadata();
    State state = new State(32);
    Nonce nonce = new Nonce(32);
    CodeVerifier verifier = new CodeVerifier();
    AuthenticationRequest req =
        new AuthenticationRequest.Builder(
                new ResponseType("code"),
                new Scope("openid", "email", "profile"),
                new ClientID(config.clientId()),
                config.redirectUri())
            .endpointURI(m.getAuthorizationEndpointURI())
            .state(state)
            .nonce(nonce)
            .codeChallenge(verifier, CodeChallengeMethod.S256)
            .build();
    String cookie =
        sessions.sealText(
            COOKIE,
            String.join(
                "\n",
                state.getValue(),
                nonce.getValue(),
                verifier.getValue(),
                Long.toString(clock.instant().plus(Duration.ofMinutes(10)).getEpochSecond()),
                rd));
    return new Start(req.toURI(), cookie);
  }

  /** The outcome of a callback: a session and where to go, or the refusal. */
  public record Result(Session session, String rd, String refusal) {}

  /**
   * Completes a sign-in: checks {@code state} against the cookie, redeems the code with the PKCE
   * verifier, and validates the ID token (signature, issuer, audience, expiry, nonce).
   */
  public Result callback(String code, String state, String cookie) throws IOException {
    String opened = cookie == null ? null : sessions.openText(COOKIE, cookie);
    if (opened == null) {
      return new Result(null, null, "no sign-in under way for this browser");
    }
    String[] parts = opened.split("\n", 5);
    if (parts.length != 5
        || state == null
        || !MessageDigest.isEqual(parts[0].getBytes(), state.getBytes())) {
      return new Result(null, null, "state does not match this browser's sign-in");
    }
    long now = clock.instant().getEpochSecond();
    if (now > Long.parseLong(parts[3])) {
      return new Result(null, null, "the sign-in took too long");
    }
    usedStates.values().removeIf(until -> until < now);
    if (usedStates.putIfAbsent(parts[0], Long.parseLong(parts[3])) != null) {
      return new Result(null, null, "state already used");
    }
    if (code == null || code.isBlank()) {
      return new Result(null, null, "no authorization code");
    }
    OIDCProviderMetadata m = metadata();
    TokenRequest tr =
        new TokenRequest(
            m.getTokenEndpointURI(),
            new ClientSecretBasic(
                new ClientID(config.clientId()), new Secret(config.clientSecret())),
            new AuthorizationCodeGrant(
                new AuthorizationCode(code), config.redirectUri(), new CodeVerifier(parts[2])));
    TokenResponse resp;
    try {
      resp = OIDCTokenResponseParser.parse(tr.toHTTPRequest().send());
    } catch (ParseException e) {
      return new Result(null, null, "token response unreadable: " + e.getMessage());
    }
    if (!resp.indicatesSuccess()) {
      return new Result(
          null,
          null,
          "the provider refused the code: " + resp.toErrorResponse().getErrorObject().getCode());
    }
    JWT idToken = ((OIDCTokenResponse) resp).getOIDCTokens().getIDToken();
    JWTClaimsSet claims = null;
    String last = "no algorithm configured";
    for (IDTokenValidator v : validators) {
      try {
        claims = v.validate(idToken, new Nonce(parts[1])).toJWTClaimsSet();
        break;
      } catch (BadJOSEException | JOSEException | com.nimbusds.oauth2.sdk.ParseException e) {
        last = e.getMessage();
      }
    }
    if (claims == null) {
      return new Result(null, null, "ID token refused: " + last);
    }
    return new Result(sessionFrom(claims), parts[4], null);
  }

  private Session sessionFrom(JWTClaimsSet c) {
    List<String> amr = strings(c, "amr");
    if (amr.isEmpty()) {
      amr = List.of("oidc");
    }
    String email = str(c, "email");
    LocalUser u =
        new LocalUser(
            c.getSubject(),
            email == null ? "" : email,
            strings(c, "roles"),
            strings(c, "groups"),
            "",
            null);
    Session s = sessions.start(u, amr);
    Object authTime = c.getClaim("auth_time");
    long at = authTime instanceof Number n ? n.longValue() : s.authTime();
    return new Session(
        s.id(),
        s.userId(),
        s.email(),
        s.roles(),
        s.groups(),
        s.amr(),
        at,
        s.issuedAt(),
        s.lastSeen());
  }

  private static String str(JWTClaimsSet c, String name) {
    Object v = c.getClaim(name);
    return v instanceof String s ? s : null;
  }

  private static List<String> strings(JWTClaimsSet c, String name) {
    Object v = c.getClaim(name);
    List<String> out = new ArrayList<>();
    if (v instanceof List<?> l) {
      l.forEach(x -> out.add(String.valueOf(x)));
    } else if (v instanceof String s) {
      out.add(s);
    }
    return out;
  }
}
