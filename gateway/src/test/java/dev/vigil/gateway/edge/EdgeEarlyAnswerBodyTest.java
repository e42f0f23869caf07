package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.auth.LocalAuthenticator;
import dev.vigil.gateway.auth.LocalUser;
import dev.vigil.gateway.auth.PasswordHash;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Answers the gateway gives before a request's body is wanted, to a client that holds the body back
 * for {@code 100 Continue}, over a raw socket: the body is never invited, so the connection closes
 * after the answer, and bytes the client sends after it (here a request of their own) are never
 * read as the next request.
 *
 * <p>Regression: {@code /.well-known/vigil/jwks.json} answered such a request and kept the
 * connection open, with the body unread. A client (or a proxy in front) that takes the final answer
 * as leave not to send the body, and sends its next request instead, had that request read as the
 * body of the last one, and whatever followed as a request: the two ends no longer agreed on where
 * requests start, the ground of request smuggling.
 */
class EdgeEarlyAnswerBodyTest {

  /** The held-back body: itself a request, which must never be answered. */
  static final String INNER =
      "GET /smuggled HTTP/1.1\r\nHost: app.example\r\nAccept: application/json\r\n\r\n";

  static DecisionPoint pdp;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() {
    pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    InstantSource clock = InstantSource.system();
    LocalAuthenticator auth =
        new LocalAuthenticator(
            List.of(new LocalUser("dave", "", List.of(), List.of(), PasswordHash.hash("pw"), null)),
            Fixtures.sessions(clock),
            clock);
    Route route =
        new Route(
            "app",
            "*",
            "/",
            URI.create("http://127.0.0.1:9"),
            "authz/allow",
            Mode.ENFORCE,
            Map.of(),
            null);
    gateway = Fixtures.startWithLocalUsers(List.of(route), pdp, clock, clock, auth);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    pdp.close();
  }

  @Test
  void jwks_getHoldingBackABodyThatIsARequest_answeredThenClosed_innerNeverAnswered()
      throws Exception {
    Exchange x = holdBackThenSend(gateway.port(), IdentityAssertion.JWKS_PATH);

    assertThat(x.answer()).startsWith("HTTP/1.1 200 ").contains("\"keys\"");
    assertThat(x.answer().toLowerCase(Locale.ROOT)).contains("connection: close");
    assertThat(x.after()).as("nothing after the answer").doesNotContain("HTTP/1.1");
  }

  /** The refusals before policy already closed; they stay so (the same check on every answer). */
  @Test
  void ambiguousPath_getHoldingBackABodyThatIsARequest_refusedThenClosed() throws Exception {
    Exchange x = holdBackThenSend(gateway.port(), "/a/%2F/b");

    assertThat(x.answer()).startsWith("HTTP/1.1 400 ");
    assertThat(x.after()).doesNotContain("HTTP/1.1");
  }

  /**
   * What a client saw: the first answer, and whatever came after it until the connection closed.
   */
  record Exchange(String answer, String after) {}

  /**
   * Sends a GET for {@code target} that announces {@link #INNER} as its body and holds it back for
   * {@code 100 Continue}; reads the answer; then sends the body, as a client that never waits
   * would, and reads until the gateway closes the connection.
   *
   * @throws AssertionError when the connection stays open after the answer
   */
  static Exchange holdBackThenSend(int port, String target) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("GET "
                      + target
                      + " HTTP/1.1\r\nHost: app.example\r\nAccept: application/json\r\n"
                      + "Expect: 100-continue\r\nContent-Length: "
                      + INNER.length()
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String answer = readAnswer(s.getInputStream());
      try {
        s.getOutputStream().write(INNER.getBytes(StandardCharsets.ISO_8859_1));
      } catch (SocketException closed) {
        // Closed already: the inner request is not even taken.
      }
      return new Exchange(answer, readToEnd(s));
    }
  }

  /** Reads one answer: its head, then as many bytes as its Content-Length says. */
  static String readAnswer(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new AssertionError("the connection closed before an answer: " + b);
      }
      b.write(c);
    }
    String head = b.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
  }

  /** Reads until the peer closes the connection; fails when it stays open. */
  static String readToEnd(Socket s) throws IOException {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
        got.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the connection stayed open after the answer; read: " + got, e);
    } catch (SocketException e) {
      // A reset after the answer still ends the connection.
    }
    return got.toString(StandardCharsets.ISO_8859_1);
  }
}
