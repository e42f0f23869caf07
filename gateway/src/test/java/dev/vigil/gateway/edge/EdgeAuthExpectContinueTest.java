package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.gateway.auth.SessionCodec;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Regression: the gateway's own endpoints under {@code /auth/} never answered {@code Expect:
 * 100-continue}, so a client that waits for it before sending its body (curl does, for a body of
 * any size it posts) waited out its own timeout, a second for curl, on every sign-in.
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
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:" + upstream.getAddress().getPort()),
            "authz/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
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
