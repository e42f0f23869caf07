package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.auth.PasswordChecks;
import dev.vigil.pdp.Mode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's forms refuse a field given twice, naming it, and its sign-in is bounded by the
 * node's password checks.
 *
 * <p>Regression: the console kept the first value of a repeated field ({@code password=a&
 * password=b}), where a proxy or a framework in front may read the last, so that what one checked
 * was not what the other acted on. Its sign-ins ran their Argon2id hash on the shared worker pool
 * without limit.
 */
class ConsoleFormFieldsTest {

  @TempDir Path tmp;
  private ConsoleFixture f;
  private PasswordChecks checks;
  private final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    checks = new PasswordChecks(new PasswordChecks.Limits(1, 0, Duration.ofSeconds(3)));
    f = new ConsoleFixture(tmp, false, checks);
  }

  @AfterEach
  void stop() {
    release.countDown();
    f.close();
    checks.close();
  }

  @Test
  void signIn_passwordTwice_400NamingIt_notSignedIn() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.get("/console/login");

    HttpResponse<String> r =
        b.post(
            "/console/login",
            "csrf",
            b.lastCsrf,
            "username",
            "carol",
            "password",
            ConsoleFixture.ADMIN_PASSWORD,
            "password",
            "something else");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("form field &quot;password&quot; appears twice");
    assertThat(b.get("/console/decisions").statusCode()).as("not signed in").isEqualTo(303);
  }

  @Test
  void routeMode_modeTwice_400NamingIt_unchanged() throws Exception {
    ConsoleFixture.Browser b = f.carol();
    b.get("/console/routes");

    HttpResponse<String> r =
        b.post(
            "/console/routes/echo/mode", "csrf", b.lastCsrf, "mode", "monitor", "mode", "observe");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("form field &quot;mode&quot; appears twice");
    assertThat(f.routes.get().match("any.host", "/x").mode()).isEqualTo(Mode.ENFORCE);
  }

  @Test
  void decisions_filterParameterTwice_400NamingIt() throws Exception {
    ConsoleFixture.Browser b = f.carol();

    HttpResponse<String> r = b.get("/console/decisions?route=echo&route=staging");

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("query parameter &quot;route&quot; appears twice");
  }

  @Test
  void signIn_everyPasswordCheckTaken_503PageWithRetryAfter_thenSignsIn() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    b.get("/console/login");
    CountDownLatch running = new CountDownLatch(1);
    var held =
        checks.submit(
            () -> {
              running.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return null;
            });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> busy = b.signIn("carol", ConsoleFixture.ADMIN_PASSWORD);

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("3");
    assertThat(busy.body()).contains("Too many sign-ins are being checked").contains("<form");
    release.countDown();
    held.join();
    assertThat(b.signIn("carol", ConsoleFixture.ADMIN_PASSWORD).statusCode()).isEqualTo(303);
  }

  @Test
  void passwordChange_everyPasswordCheckTaken_503WithRetryAfter_passwordKept() throws Exception {
    ConsoleFixture.Browser b = f.browser();
    assertThat(b.signIn("admin", f.firstPassword).statusCode()).isEqualTo(303);
    b.get("/console/password");
    CountDownLatch running = new CountDownLatch(1);
    var held =
        checks.submit(
            () -> {
              running.countDown();
              try {
                release.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return null;
            });
    assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

    HttpResponse<String> busy =
        b.post(
            "/console/password",
            "csrf",
            b.lastCsrf,
            "current",
            f.firstPassword,
            "password",
            "my own password 42",
            "confirm",
            "my own password 42");

    assertThat(busy.statusCode()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("3");
    release.countDown();
    held.join();
    assertThat(f.accounts.mustChange("admin")).as("the one-time password stays").isTrue();
  }

  /** A query that is not URL encoding is refused with 400 on every page, before a page reads it. */
  @Test
  void page_queryNotUrlEncoding_400SayingSo() throws Exception {
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", f.server.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              "GET /console/login?x=%zz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

      String answer =
          new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

      assertThat(answer).startsWith("HTTP/1.1 400 ").contains("the query is not URL encoding");
    }
  }
}
