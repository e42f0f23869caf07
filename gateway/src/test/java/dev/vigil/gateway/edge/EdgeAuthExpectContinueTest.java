package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the gateway's own endpoints under {@code /auth/} take a body. Regression: they never answered
 * {@code Expect: 100-continue}, so a client that waits for it before sending its body (curl does,
 * for a body of any size it posts) waited out its own timeout, a second for curl, on every sign-in.
 */
class EdgeAuthExpectContinueTest {

  static HttpServer upstream;
  static DecisionPoint pdp;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = Fixtures.answering(ex -> "app");
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\n\nallow := true\n");
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(
                new LocalUser(
                    "dave", "", List.of("admin"), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            clock);
    Route route = Fixtures.appRoute(upstream.getAddress().getPort());
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    upstream.stop(0);
    pdp.close();
  }

  @Test
  void signIn_expectingContinue_invitedAtOnce_andSignedIn() throws Exception {
    String body = "{\"username\":\"dave\",\"password\":\"pw\"}";
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("POST /auth/login HTTP/1.1\r\nHost: app.example\r\n"
                      + "Content-Type: application/json\r\nContent-Length: "
                      + body.length()
                      + "\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String interim;
      try {
        interim = readHead(s.getInputStream());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no 100 Continue within 5 s", e);
      }
      assertThat(interim).startsWith("HTTP/1.1 100 ");
      s.getOutputStream().write(body.getBytes(StandardCharsets.ISO_8859_1));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);

      assertThat(answer).startsWith("HTTP/1.1 200 ").contains(SessionCodec.COOKIE + "=");
    }
  }

  /**
   * A sign-in that announces a body longer than any sign-in is (16 KiB) is not invited: it gets 413
   * at once, and the connection closes without the body being read.
   */
  @Test
  void signIn_announcingTooLongABody_refused413Uninvited_andClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("POST /auth/login HTTP/1.1\r\nHost: app.example\r\n"
                      + "Content-Type: application/json\r\nContent-Length: 100000000\r\n"
                      + "Expect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String answer = readToEnd(s);

      assertThat(answer).startsWith("HTTP/1.1 413 ").doesNotContain("100 Continue");
    }
  }

  /**
   * Regression: a sign-in's body was read whole into memory, whatever its size, before its length
   * was checked: a client could make the gateway hold as much as it cared to send, with no account.
   * A chunked body is refused with 413 as soon as it passes 16 KiB, and the rest is not read.
   */
  @Test
  void signIn_chunkedBodyPastTheLimit_refused413BeforeItEnds_andClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      String chunk = "x".repeat(20 * 1024);
      s.getOutputStream()
          .write(
              ("POST /auth/login HTTP/1.1\r\nHost: app.example\r\n"
                      + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + Integer.toHexString(chunk.length())
                      + "\r\n"
                      + chunk
                      + "\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      // The body never ends: only a refusal made before its end answers.
      String answer = readToEnd(s);

      assertThat(answer).startsWith("HTTP/1.1 413 ");
    }
  }

  /** Reads until the gateway closes the connection; fails when it stays open. */
  private static String readToEnd(Socket s) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection stayed open; read so far: " + got, e);
    } catch (java.net.SocketException e) {
      // A reset after the answer still ends the connection.
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        break;
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }
}
