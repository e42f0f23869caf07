package dev.vigil.gateway.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.gateway.Route;
import dev.vigil.gateway.RouteTable;
import dev.vigil.pdp.DecisionPoint;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An upstream that writes its answer byte by byte as it likes, against the edge's answer hygiene,
 * read by a caller on a raw socket so that nothing between hides a header: forged {@code X-Vigil-*}
 * names with blanks before the colon, a 103 Early Hints answer and HTTP/1.1 chunked trailers that
 * carry them, and {@code Set-Cookie} lines that a browser would send back as a {@code vigil_*}
 * cookie although their own name is empty (RFC 6265bis section 5.6: {@code =vigil_session=x} is a
 * nameless cookie whose value, sent alone, reads {@code vigil_session=x}), or that a cookie jar
 * splitting at commas (RFC 2109 style, as the JDK's {@code CookieManager} does) stores as one.
 */
class EdgeAnswerRawHeadersTest {

  static final String ANSWER =
      "HTTP/1.1 103 Early Hints\r\n"
          + "X-Vigil-Decision-Id: forged-103\r\n"
          + "Link: </style.css>; rel=preload\r\n"
          + "\r\n"
          + "HTTP/1.1 200 OK\r\n"
          + "X-Vigil-Decision-Id : forged-space\r\n"
          + "X-Vigil-User\t: forged-tab\r\n"
          + "Set-Cookie: =vigil_session=forged-nameless; Path=/deep\r\n"
          + "Set-Cookie: = VIGIL_SESSION=forged-nameless-blank; Path=/deep\r\n"
          + "Set-Cookie: vigil_session\r\n"
          + "Set-Cookie: app=kept; Path=/\r\n"
          + "Set-Cookie: other=1, vigil_session=forged-comma; Path=/\r\n"
          + "Set-Cookie: other=1; Version=1,VIGIL_OIDC=forged-comma-v1\r\n"
          + "X-App: kept\r\n"
          + "Transfer-Encoding: chunked\r\n"
          + "Trailer: X-Vigil-Decision-Id\r\n"
          + "\r\n"
          + "5\r\nhello\r\n"
          + "0\r\n"
          + "X-Vigil-Decision-Id: forged-trailer\r\n"
          + "Set-Cookie: vigil_session=forged-trailer\r\n"
          + "\r\n";

  static ServerSocket upstream;
  static Thread serving;
  static EdgeGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    upstream = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    serving = Thread.ofVirtual().start(EdgeAnswerRawHeadersTest::serve);
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    pdp.putPolicy("authz.rego", "package authz\nimport rego.v1\n\nallow := true\n");
    Route route = Fixtures.appRoute(upstream.getLocalPort());
    gateway =
        EdgeGateway.start(
            EdgeGateway.Settings.of(
                "127.0.0.1",
                0,
                new AtomicReference<>(new RouteTable(List.of(route))),
                pdp,
                new IdentityAssertion(
                    "vigil", EdgeGateway.ASSERTION_LIFETIME, InstantSource.system()),
                InstantSource.system()));
  }

  /** Answers each connection's first request with {@link #ANSWER}, then closes it. */
  static void serve() {
    while (!upstream.isClosed()) {
      try (Socket s = upstream.accept()) {
        s.setSoTimeout(10_000);
        InputStream in = s.getInputStream();
        int matched = 0;
        while (matched < 4) {
          int b = in.read();
          if (b < 0) {
            break;
          }
          matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
        }
        OutputStream out = s.getOutputStream();
        out.write(ANSWER.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (Exception e) {
        // closed by the test, or a connection the gateway gave up: serve the next one
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
    upstream.close();
  }

  /** Sends a GET on a raw socket and returns every byte of the answer, as Latin-1 text. */
  static String rawGet(String path) throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), gateway.port())) {
      s.setSoTimeout(20_000);
      s.getOutputStream()
          .write(
              ("GET "
                      + path
                      + " HTTP/1.1\r\nHost: app.example\r\nTE: trailers\r\n"
                      + "Connection: close\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      s.getInputStream().transferTo(got);
      return got.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void relay_cookieJarThatSplitsAtCommas_storesNoVigilCookie() throws Exception {
    CookieManager jar = new CookieManager();
    HttpClient client = HttpClient.newBuilder().cookieHandler(jar).build();

    HttpResponse<String> r =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/deep/page"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(jar.getCookieStore().getCookies())
        .extracting(HttpCookie::getName)
        .contains("app")
        .noneMatch(n -> n.toLowerCase().contains("vigil"));
  }

  @Test
  void relay_forgedHeadersInEverySpelling_noneReachTheCaller_appsOwnKept() throws Exception {
    String answer = rawGet("/deep/page");

    assertThat(answer).startsWith("HTTP/1.1 200").contains("hello");
    assertThat(answer.toLowerCase()).doesNotContain("forged").doesNotContain("vigil");
    assertThat(answer).contains("X-App: kept").contains("app=kept; Path=/");
  }
}
