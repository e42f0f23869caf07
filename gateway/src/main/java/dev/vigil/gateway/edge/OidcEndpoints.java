package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.IdentityProviders;
import dev.vigil.gateway.auth.OidcLogin;
import dev.vigil.gateway.auth.Session;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.gateway.http.RedirectTarget;
import dev.vigil.gateway.http.RequestBodies;
import dev.vigil.gateway.http.RequestGuard;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /auth/start} ({@code rd}, {@code idp}, {@code step_up}) and {@code /auth/callback}: the
 * browser's side of an OpenID Connect sign-in, with the provider's HTTP calls off the event loop.
 * The callback's provider is the one named in the sealed sign-in cookie; without a readable cookie
 * the default provider refuses it before any code is redeemed (case C10).
 */
final class OidcEndpoints {

  private static final Logger log = LoggerFactory.getLogger(OidcEndpoints.class);

  private final SessionCodec sessions;
  private final RedirectTarget redirects;
  private final IdentityProviders providers;

  OidcEndpoints(SessionCodec sessions, RedirectTarget redirects, IdentityProviders providers) {
    this.sessions = sessions;
    this.redirects = redirects;
    this.providers = providers;
  }

  void start(HttpServerRequest req) {
    String rd = redirects.check(req.getParam("rd"));
    String idp = req.getParam("idp");
    OidcLogin p = idp == null ? providers.forRoute(null) : providers.get(idp);
    boolean mfa = "mfa".equals(req.getParam("step_up"));
    RequestBodies.resume(req);
    if (p == null) {
      AuthEndpoints.reply(req, false, 400, "unknown identity provider");
      return;
    }
    Vertx.currentContext()
        .owner()
        .executeBlocking(() -> p.start(rd, mfa), false)
        .onFailure(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  log.warn("OIDC sign-in could not start: {}", e.getMessage());
                  AuthEndpoints.reply(req, false, 502, "the identity provider cannot be reached");
                }))
        .onSuccess(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                st ->
                    req.response()
                        .putHeader(
                            "Set-Cookie",
                            OidcLogin.COOKIE
                                + "="
                                + st.cookieValue()
                                + "; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600"
                                + (req.isSSL() ? "; Secure" : ""))
                        .putHeader("Cache-Control", "no-store")
                        .setStatusCode(302)
                        .putHeader("Location", st.authorizationUrl().toString())
                        .end()));
  }

  void callback(HttpServerRequest req) {
    String code = req.getParam("code");
    String state = req.getParam("state");
    String iss = req.getParam("iss");
    String cookie = AuthEndpoints.cookie(req, OidcLogin.COOKIE);
    RequestBodies.resume(req);
    String expire = OidcLogin.COOKIE + "=; Path=/auth; Max-Age=0";
    OidcLogin p = providers.get(OidcLogin.providerOf(sessions, cookie));
    // Without a readable cookie the default provider refuses it, before any code is redeemed.
    OidcLogin oidc = p == null ? providers.forRoute(null) : p;
    Vertx.currentContext()
        .owner()
        .executeBlocking(() -> oidc.callback(code, state, iss, cookie), false)
        .onFailure(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                e -> {
                  log.warn("OIDC sign-in failed: {}", e.getMessage());
                  req.response().putHeader("Set-Cookie", expire);
                  AuthEndpoints.reply(req, false, 502, "the identity provider cannot be reached");
                }))
        .onSuccess(
            RequestGuard.guard(
                req,
                null,
                null,
                500,
                r -> {
                  req.response().putHeader("Set-Cookie", expire);
                  if (r.session() == null) {
                    log.warn(
                        "OIDC sign-in refused: {}; source={}", r.refusal(), req.remoteAddress());
                    AuthEndpoints.reply(req, false, 403, "sign-in refused; start again");
                    return;
                  }
                  Session s = r.session();
                  log.info(
                      "signed in: user={} idp={} amr={} acr={}",
                      s.userId(),
                      s.provider(),
                      s.amr(),
                      s.acr());
                  req.response()
                      .headers()
                      .add("Set-Cookie", SessionCodec.cookie(sessions.seal(s), req.isSSL(), false));
                  req.response()
                      .putHeader("Cache-Control", "no-store")
                      .setStatusCode(302)
                      .putHeader("Location", AuthEndpoints.location(redirects.check(r.rd())))
                      .end();
                }));
  }
}
