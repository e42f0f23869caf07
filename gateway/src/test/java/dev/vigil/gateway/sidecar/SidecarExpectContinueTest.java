package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.sidecar.SidecarConfig.Inbound;
import dev.vigil.gateway.sidecar.SidecarConfig.Outbound;
import dev.vigil.gateway.sidecar.SidecarConfig.PeerMode;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.pdp.Mode;
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
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the sidecar's listeners answer {@code Expect: 100-continue} (RFC 9110 §10.1.1), and a {@code
 * Connection} that lists {@code close} among other options, over raw sockets. Workload B's sidecar
 * has an inbound listener (PERMISSIVE, so a plaintext caller reaches it too) in front of a raw app
 * that records each request head and body; workload A's sidecar has an outbound listener to it.
 */
class SidecarExpectContinueTest {

  private static final String POLICY =
      """
      package sidecar
      import rego.v1

      default allow := false
      allow if not startswith(input.request.path, "/denied")
      """;

  @TempDir static Path tmp;
  static TwoWorkloads workloads;
  static DecisionPoint pdp;
  static ServerSocket app;
  static final List<String> heads = new CopyOnWriteArrayList<>();
  static final List<String> bodies = new CopyOnWriteArrayList<>();
  static Sidecar sidecarB;
  static Sidecar sidecarA;

  @BeforeAll
  static void start() throws Exception {
    workloads = TwoWorkloads.start(tmp);
    pdp = workloads.decisionPoint(POLICY);
    app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofPlatform().daemon().start(SidecarExpectContinueTest::accept);
    sidecarB =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(
                    new Inbound(
                        "127.0.0.1",
                        0,
                        PeerMode.PERMISSIVE,
                        new Route(
                            "to-app",
                            "*",
                            "/",
                            URI.create("http://127.0.0.1:" + app.getLocalPort()),
                            "sidecar/allow",
                            Mode.ENFORCE,
                            Map.of("service", "b"),
                            null))),
                List.of()),
            workloads.credsB,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
    sidecarA =
        Sidecar.start(
            new SidecarConfig(
                null,
                List.of(),
                List.of(
                    new Outbound(
                        "to-b",
                        "127.0.0.1",
                        0,
                        "127.0.0.1",
                        sidecarB.port("to-app"),
                        TwoWorkloads.B))),
            workloads.credsA,
            pdp,
            workloads.ids.revocations(),
            InstantSource.system(),
            null);
  }

  @AfterAll
  static void stop() throws Exception {
    sidecarA.close();
    sidecarB.close();
    app.close();
    pdp.close();
    workloads.close();
  }

  @BeforeEach
  void clear() {
    heads.clear();
    bodies.clear();
  }

  private static void accept() {
    while (!app.isClosed()) {
      try {
        Socket s = app.accept();
        Thread.ofPlatform().daemon().start(() -> serve(s));
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Answers each request 200 with {@code got } and its body. */
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
            ("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length() + "\r\n\r\n" + answer)
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      // The sidecar closed the connection.
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      b.write(c);
      if (b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        return b.toString(StandardCharsets.ISO_8859_1);
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

  private int port(String listener) {
    return listener.equals("to-b") ? sidecarA.port("to-b") : sidecarB.port("to-app");
  }

  /**
   * Regression: neither listener answered {@code 100 Continue}, and the expectation went on to the
   * next hop, whose interim answer the relay does not pass back: a client waited (curl: a second)
   * before sending its body anyway. The listener invites the body once its checks are passed, and
   * the app never sees the expectation.
   */
  @ParameterizedTest
  @ValueSource(strings = {"to-app", "to-b"})
  void expectContinue_allowed_listenerAnswers100_andTheBodyGoesOnWithoutExpect(String listener)
      throws Exception {
    try (Socket s = new Socket("127.0.0.1", port(listener))) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("POST /upload HTTP/1.1\r\nHost: b.internal\r\nContent-Length: 5\r\n"
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
    assertThat(heads.get(0).toLowerCase(Locale.ROOT)).doesNotContain("\r\nexpect:");
  }

  /**
   * A request the policy denies is never invited to send its body: it gets its refusal and nothing
   * before it, and the connection is closed, so that a body sent later is never read as a request.
   */
  @Test
  void expectContinue_denied_refusedWithout100_andTheConnectionClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", port("to-app"))) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("POST /denied/upload HTTP/1.1\r\nHost: b.internal\r\nContent-Length: 5\r\n"
                      + "Expect: 100-continue\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String r = readToEnd(s);

      assertThat(r).startsWith("HTTP/1.1 403 ").doesNotContain("100 Continue");
      assertThat(r.toLowerCase(Locale.ROOT)).contains("\r\nconnection: close\r\n");
    }
    assertThat(heads).isEmpty();
  }

  /**
   * Regression: a caller whose {@code Connection} listed {@code close} beside another option had
   * its connection kept open after the answer, and a request it sent after was read and relayed.
   */
  @ParameterizedTest
  @ValueSource(strings = {"to-app", "to-b"})
  void connectionCloseAmongOtherOptions_closedAfterTheAnswer(String listener) throws Exception {
    try (Socket s = new Socket("127.0.0.1", port(listener))) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              ("GET /last HTTP/1.1\r\nHost: b.internal\r\nConnection: close, X-Trace\r\n"
                      + "X-Trace: 1\r\n\r\nGET /after HTTP/1.1\r\nHost: b.internal\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String r = readToEnd(s);

      assertThat(r).startsWith("HTTP/1.1 200 ").endsWith("got ");
      assertThat(r.split("HTTP/1.1 ", -1)).hasSize(2);
    }
    assertThat(heads).hasSize(1);
    assertThat(heads.get(0)).startsWith("GET /last ").doesNotContainIgnoringCase("x-trace");
  }

  /**
   * Regression: the sidecar's assertion-key listener answered a GET holding its body back for
   * {@code 100 Continue} and kept the connection open, the body unread: bytes the client sent later
   * (here a request of their own) could be read as the next request. It now closes after the
   * answer, its 404 and 405 too.
   */
  @ParameterizedTest
  @ValueSource(strings = {"/.well-known/vigil/jwks.json", "/elsewhere"})
  void assertionKeys_getHoldingBackABodyThatIsARequest_answeredThenClosed(String target)
      throws Exception {
    String inner = "GET /.well-known/vigil/jwks.json HTTP/1.1\r\nHost: sidecar\r\n\r\n";
    try (Sidecar keys = keysOnly();
        Socket s = new Socket("127.0.0.1", keys.assertionJwksPort())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("GET "
                      + target
                      + " HTTP/1.1\r\nHost: sidecar\r\nExpect: 100-continue\r\n"
                      + "Content-Length: "
                      + inner.length()
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      String head = readHead(s.getInputStream());
      s.getInputStream().readNBytes(contentLength(head));
      try {
        s.getOutputStream().write(inner.getBytes(StandardCharsets.ISO_8859_1));
      } catch (java.net.SocketException closed) {
        // Closed already.
      }
      String after = readToEnd(s);

      assertThat(head).startsWith(target.equals("/elsewhere") ? "HTTP/1.1 404 " : "HTTP/1.1 200 ");
      assertThat(head.toLowerCase(Locale.ROOT)).contains("connection: close");
      assertThat(after).doesNotContain("HTTP/1.1");
    }
  }

  /**
   * The key listener answers a head it could not read (here a request line past the decoder's
   * limit) as every other Vigil listener does, 414 (431 for headers) with the connection closed. It
   * answered a bare 400 of its own, which told the client nothing of what was wrong.
   */
  @Test
  void assertionKeys_headTooLong_answeredAndClosed() throws Exception {
    try (Sidecar keys = keysOnly();
        Socket s = new Socket("127.0.0.1", keys.assertionJwksPort())) {
      s.setSoTimeout(5_000);
      s.getOutputStream()
          .write(
              ("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: sidecar\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));

      String answer = readToEnd(s);

      // HTTP/1.0: the request's own version could not be read.
      assertThat(answer).startsWith("HTTP/1.0 414 ");
    }
  }

  /** A sidecar that only serves its assertion keys. */
  private static Sidecar keysOnly() {
    return Sidecar.start(
        new SidecarConfig(null, List.of(), List.of(), new SidecarConfig.Address("127.0.0.1", 0)),
        workloads.credsB,
        pdp,
        workloads.ids.revocations(),
        InstantSource.system(),
        new dev.vigil.gateway.edge.IdentityAssertion(
            "vigil", java.time.Duration.ofSeconds(60), InstantSource.system()));
  }
}
