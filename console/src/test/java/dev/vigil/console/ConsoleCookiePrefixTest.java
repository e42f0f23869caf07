package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console served over TLS: its cookies are {@code __Host-vigil_console} and {@code
 * __Host-vigil_console_login} (Secure, {@code Path=/}, no {@code Domain}), which a sibling
 * subdomain or a plain-HTTP page of the same host cannot set, and the cookies of the plain names,
 * which they can, are not read there.
 */
class ConsoleCookiePrefixTest {

  @TempDir Path tmp;
  private ConsoleFixture f;

  @BeforeEach
  void start() throws Exception {
    f = new ConsoleFixture(tmp, true);
  }

  @AfterEach
  void stop() {
    f.close();
  }

  @Test
  void signInOverTls_cookiesAreHostPrefixed_andTheSessionServes() throws Exception {
    ConsoleFixture.Browser b = f.browser();

    HttpResponse<String> form = b.get("/console/login");
    HttpResponse<String> in = b.signIn("carol", ConsoleFixture.ADMIN_PASSWORD);

    assertThat(form.headers().allValues("Set-Cookie"))
        .singleElement()
        .asString()
        .startsWith("__Host-" + ConsoleSignIn.LOGIN_COOKIE + "=")
        .contains("; Path=/;", "; Secure", "SameSite=Strict")
        .doesNotContainIgnoringCase("domain");
    assertThat(in.statusCode()).isEqualTo(303);
    assertThat(in.headers().allValues("Set-Cookie"))
        .anySatisfy(
            c ->
                assertThat(c)
                    .startsWith("__Host-" + ConsoleSignIn.COOKIE + "=")
                    .contains("; Path=/;", "; Secure"));
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(200);
  }

  /**
   * Regression: over TLS the console read a {@code vigil_console} cookie, which a sibling subdomain
   * or a plain-HTTP page of the same host can set, so a session of the setter's choosing could be
   * tossed into an administrator's browser.
   */
  @Test
  void tlsRequest_sessionCookieOfThePlainName_isIgnored() throws Exception {
    String sealed = f.carol().cookie("__Host-" + ConsoleSignIn.COOKIE);
    ConsoleFixture.Browser tossed = f.browser();
    tossed.setCookie(ConsoleSignIn.COOKIE, sealed);
    ConsoleFixture.Browser own = f.browser();
    own.setCookie("__Host-" + ConsoleSignIn.COOKIE, sealed);

    assertThat(tossed.get("/console/decisions").statusCode()).isEqualTo(303);
    assertThat(own.get("/console/decisions").statusCode()).isEqualTo(200);
  }

  @Test
  void tlsSignIn_formTokenCookieOfThePlainName_refused() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.get("/console/login");
    String token = b.cookie("__Host-" + ConsoleSignIn.LOGIN_COOKIE);
    ConsoleFixture.Browser tossed = f.browser();
    tossed.setCookie(ConsoleSignIn.LOGIN_COOKIE, token);

    HttpResponse<String> r =
        tossed.post(
            "/console/login",
            "csrf",
            token,
            "username",
            "carol",
            "password",
            ConsoleFixture.ADMIN_PASSWORD,
            "totp",
            "");

    assertThat(r.statusCode()).isEqualTo(403);
  }

  @Test
  void signOutOverTls_clearsThePrefixedCookie_asTheBrowserKeepsIt() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/decisions");

    HttpResponse<String> out = b.post("/console/logout", "csrf", b.lastCsrf);

    assertThat(out.headers().allValues("Set-Cookie"))
        .contains("__Host-vigil_console=; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=0");
    assertThat(b.get("/console/decisions").statusCode()).isEqualTo(303);
  }
}
