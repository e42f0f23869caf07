package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
import dev.vigil.pdp.bundle.BundleReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway relays of one hop's headers, each way (RFC 9110 §7.6.1), and how it answers
 * {@code Expect: 100-continue} (RFC 9110 §10.1.1). Raw sockets on both sides: an upstream that
 * records every request head it is sent and answers naming a header of its own in {@code
 * Connection}, and a client that writes bytes as it chooses.
 */
class EdgeRelayHeadersTest {

  static ServerSocket upstream;
  static final List<String> heads = new CopyOnWriteArrayList<>();
  static final List<String> bodies = new CopyOnWriteArrayList<>();
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().start(EdgeRelayHeadersTest::accept);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.activate(
        BundleReader.fromFiles(
            "gw",
            Map.of(
                "gw.rego",
                ("package gw\nimport rego.v1\ndefault allow := false\n"
                        + "allow if not startswith(input.request.path, \"/denied\")\n")
                    .getBytes(StandardCharsets.UTF_8))));
    URI up = URI.create("http://127.0.0.1:" + upstream.getLocalPort());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(
                    new RouteTable(
                        List.of(
                            new Route(
                                "app", "*", "/", up, "gw/allow", Mode.ENFORCE, Map.of(), null)))),
                pdp,
                new IdentityAssertion(
                    "vigil-gateway", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                InstantSource.system()));
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  @BeforeEach
  void clear() {
    heads.clear();
    bodies.clear();
  }

  private static void accept() {
    while (!upstream.isClosed()) {
      try {
        Socket s = upstream.accept();
        Thread.ofPlatform().daemon().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  /**
   * Answers each request of a connection 200 with {@code got } and its body, naming {@code
   * X-App-Hop} in {@code Connection} beside {@code X-App-Kept}.
   */
  private static void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      for (String head; (head = readHead(in)) != null; ) {
        String body = new String(in.readNBytes(contentLength(head)), StandardCharsets.ISO_8859_1);
        heads.add(head);
        bodies.add(body);
        String answer = "got " + body;
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Length: "
                    + answer.length()
                    + "\r\nConnection: keep-alive, X-App-Hop\r\nX-App-Hop: secret\r\n"
                    + "X-App-Kept: yes\r\n\r\n"
                    + answer)
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      // The gateway closed the connection.
    }
  }

  /** Reads up to the blank line; null at the end of the stream. */
  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      String s = b.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        return s;
      }
    }
    return null;
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return 0;
  }

  /** The lower-case names of a head's fields, in order. */
  static List<String> names(String head) {
    List<String> out = new ArrayList<>();
    String[] lines = head.split("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        out.add(lines[i].substring(0, colon).toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  /** Writes the bytes and reads until the gateway closes the connection. */
  static String exchange(String raw) throws IOException {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
      return readToEnd(s);
    }
  }

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

  /**
   * Regression: the headers a client named in {@code Connection} (RFC 9110 §7.6.1: meant for the
   * gateway alone) went on to the app, as did a second {@code Connection} field's.
   */
  @Test
  void forward_headersTheClientNamesInConnection_notRelayed() throws Exception {
    String r =
        exchange(
            "GET /hop HTTP/1.1\r\nHost: app.example\r\n"
                + "Connection: close\r\nConnection: X-Trace-Hop,, x-second-hop\r\n"
                + "X-Trace-Hop: 1\r\nX-Second-Hop: 2\r\nX-Kept: 3\r\nKeep-Alive: timeout=5\r\n"
                + "Proxy-Connection: keep-alive\r\nTE: trailers, deflate\r\n\r\n");

    assertThat(r).startsWith("HTTP/1.1 200 ");
    assertThat(heads).hasSize(1);
    assertThat(names(heads.get(0)))
        .contains("x-kept")
        .doesNotContain(
            "x-trace-hop", "x-second-hop", "keep-alive", "proxy-connection", "te", "upgrade");
  }

  /**
   * A client cannot use {@code Connection} to remove what the gateway writes for the app: its
   * identity, decision and forwarding headers are set after the client's hop headers are gone.
   */
  @Test
  void forward_connectionNamingTheGatewaysHeaders_theyStillReachTheApp() throws Exception {
    String r =
        exchange(
            "GET /hop HTTP/1.1\r\n"
                + "Host: app.example\r\n"
                + "Connection: close\r\nConnection: X-Vigil-Decision-Id, X-Vigil-Assertion,"
                + " X-Forwarded-For,"
                + " X-Forwarded-Host, X-Forwarded-Proto\r\n\r\n");

    assertThat(r).startsWith("HTTP/1.1 200 ");
    assertThat(names(heads.get(0)))
        .contains(
            "x-vigil-decision-id",
            "x-vigil-assertion",
            "x-forwarded-for",
            "x-forwarded-host",
            "x-forwarded-proto");
  }

  /**
   * Regression: a request whose {@code Connection} listed {@code close} beside another option had
   * its connection kept open after the answer, and a request the client sent after it on the same
   * connection was read and relayed. The connection is closed after the answer, as with {@code
   * Connection: close} alone.
   */
  @Test
  void forward_connectionCloseAmongOtherOptions_closedAfterTheAnswer() throws Exception {
    String r =
        exchange(
            "GET /last HTTP/1.1\r\nHost: app.example\r\nConnection: close, X-Trace-Hop\r\n"
                + "X-Trace-Hop: 1\r\n\r\n"
                + "GET /after HTTP/1.1\r\nHost: app.example\r\n\r\n");

    assertThat(r).startsWith("HTTP/1.1 200 ").endsWith("got ");
    assertThat(r.split("HTTP/1.1 ", -1)).hasSize(2);
    assertThat(heads).hasSize(1);
    assertThat(heads.get(0)).startsWith("GET /last ");
    assertThat(names(heads.get(0))).doesNotContain("x-trace-hop");
  }

  /** Regression: a header the app named in its answer's {@code Connection} reached the client. */
  @Test
  void answer_headersTheAppNamesInConnection_notRelayedToTheClient() throws Exception {
    String r = exchange("GET /hop HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n");

    String head = r.substring(0, r.indexOf("\r\n\r\n") + 4);
    assertThat(names(head)).contains("x-app-kept").doesNotContain("x-app-hop");
  }

  /**
   * Regression: {@code Expect: 100-continue} went to the app, and neither the gateway nor the app's
   * {@code 100} reached the client, which waited (curl: a second) before sending its body anyway.
   * An allowed request is invited to send it at once, and the app never sees the expectation.
   */
  @Test
  void expectContinue_allowed_gatewayAnswers100_andTheBodyGoesUpWithoutExpect() throws Exception {
    try (Socket s = new Socket("127.0.0.1", gateway.port())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("POST /upload HTTP/1.1\r\nHost: app.example\r\nContent-Length: 5\r\n"
                      + "Expect: 100-continue\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String interim;
      try {
        interim = readHead(s.getInputStream());
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no 100 Continue within 5 s", e);
      }
      assertThat(interim).startsWith("HTTP/1.1 100 ");
      s.getOutputStream().write("hello".getBytes(StandardCharsets.ISO_8859_1));
      String rest = readToEnd(s);

      assertThat(rest).startsWith("HTTP/1.1 200 ").endsWith("got hello");
    }
    assertThat(bodies).containsExactly("hello");
    assertThat(names(heads.get(0))).doesNotContain("expect");
  }

  /**
   * A denied request is never invited to send its body: it gets its refusal and nothing before it,
   * and the connection is closed, the body it holds back being unread.
   */
  @Test
  void expectContinue_denied_refusedWithout100_andClosedWithoutReadingTheBody() throws Exception {
    String r =
        exchange(
            "POST /denied/upload HTTP/1.1\r\nHost: app.example\r\nContent-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n");

    assertThat(r).startsWith("HTTP/1.1 401 ").doesNotContain("100 Continue");
    assertThat(r.toLowerCase(Locale.ROOT)).containsPattern("x-vigil-decision-id: [0-9a-f-]{36}");
    assertThat(heads).isEmpty();
  }
}
