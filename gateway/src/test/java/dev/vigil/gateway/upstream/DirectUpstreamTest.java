package dev.vigil.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own HTTP/1.1 upstream client over real sockets: a Vert.x front that relays every
 * request with {@link DirectUpstream}, and upstreams that are either a Vert.x server or a raw
 * socket that misbehaves on purpose.
 */
class DirectUpstreamTest {

  private Vertx vertx;
  private HttpServer front;
  private DirectUpstream direct;
  private volatile int upstreamPort;

  /** When set, the front passes the client's {@code Host} on, as the sidecar does. */
  private volatile boolean keepClientHost;

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final List<AutoCloseable> closeAfter = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startFront() throws Exception {
    vertx = Vertx.vertx();
    direct = new DirectUpstream(vertx);
    front =
        vertx
            .createHttpServer()
            .requestHandler(this::relay)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
    direct.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private void relay(HttpServerRequest req) {
    req.pause();
    HttpHeaders headers = DefaultHttpHeadersFactory.headersFactory().newHeaders();
    req.headers()
        .forEach(
            h -> {
              String n = h.getKey().toLowerCase();
              if (!n.equals("host") && !n.equals("connection") && !n.equals("content-length")) {
                headers.add(h.getKey(), h.getValue());
              }
            });
    if (keepClientHost && req.headers().get("Host") != null) {
      headers.set("Host", req.headers().get("Host"));
    }
    direct
        .relay(req, "127.0.0.1", upstreamPort, req.uri(), headers, "test", null)
        .onFailure(
            e -> {
              req.resume();
              req.response().setStatusCode(502).end("upstream failed: " + e.getMessage());
            });
  }

  private URI front(String path) {
    return URI.create("http://127.0.0.1:" + front.actualPort() + path);
  }

  /** A Vert.x upstream; returns the number of connections it accepted so far, live. */
  private AtomicInteger vertxUpstream(Consumer<HttpServerRequest> handler) throws Exception {
    AtomicInteger connections = new AtomicInteger();
    HttpServer up =
        vertx
            .createHttpServer()
            .connectionHandler(c -> connections.incrementAndGet())
            .requestHandler(handler::accept)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    upstreamPort = up.actualPort();
    return connections;
  }

  /** A raw upstream: each accepted connection is given to {@code conn} on its own thread. */
  private AtomicInteger rawUpstream(RawConnection conn) throws Exception {
    ServerSocket ss = new ServerSocket();
    ss.bind(new InetSocketAddress("127.0.0.1", 0));
    closeAfter.add(ss);
    upstreamPort = ss.getLocalPort();
    AtomicInteger accepted = new AtomicInteger();
    Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              while (!ss.isClosed()) {
                try {
                  Socket s = ss.accept();
                  closeAfter.add(s);
                  int n = accepted.incrementAndGet();
                  Thread.ofPlatform()
                      .daemon()
                      .start(
                          () -> {
                            try {
                              conn.serve(n, s);
                            } catch (IOException e) {
                              // The test reads the outcome from the client's side.
                            }
                          });
                } catch (IOException e) {
                  return;
                }
              }
            });
    return accepted;
  }

  interface RawConnection {
    void serve(int number, Socket s) throws IOException;
  }

  /** Reads one request head (up to the blank line) from the socket. */
  private static String readHead(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      sb.append((char) c);
      if (sb.length() >= 4 && sb.substring(sb.length() - 4).equals("\r\n\r\n")) {
        return sb.toString();
      }
    }
    return null;
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(front(path)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void bodies_goBothWaysIntact_withLengthAndChunked() throws Exception {
    byte[] down = new byte[3 * 1024 * 1024];
    new Random(7).nextBytes(down);
    vertxUpstream(
        req ->
            req.body()
                .onSuccess(
                    b ->
                        req.response()
                            .putHeader("X-Body-Sha256", sha256(b.getBytes()))
                            .putHeader(
                                "X-Framing",
                                req.headers().contains("Transfer-Encoding") ? "chunked" : "length")
                            .end(io.vertx.core.buffer.Buffer.buffer(down))));
    byte[] up = new byte[2 * 1024 * 1024 + 17];
    new Random(11).nextBytes(up);

    HttpResponse<byte[]> withLength =
        client.send(
            HttpRequest.newBuilder(front("/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(up))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(withLength.statusCode()).isEqualTo(200);
    assertThat(withLength.headers().firstValue("X-Body-Sha256")).hasValue(sha256(up));
    assertThat(withLength.headers().firstValue("X-Framing")).hasValue("length");
    assertThat(sha256(withLength.body())).isEqualTo(sha256(down));

    HttpResponse<byte[]> chunked =
        client.send(
            HttpRequest.newBuilder(front("/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(up)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(chunked.statusCode()).isEqualTo(200);
    assertThat(chunked.headers().firstValue("X-Body-Sha256")).hasValue(sha256(up));
    assertThat(chunked.headers().firstValue("X-Framing")).hasValue("chunked");
    assertThat(sha256(chunked.body())).isEqualTo(sha256(down));
  }

  @Test
  void keepAlive_oneUpstreamConnectionServesRequestsInTurn() throws Exception {
    AtomicInteger connections = vertxUpstream(req -> req.response().end("n"));
    for (int i = 0; i < 20; i++) {
      assertThat(get("/k" + i).body()).isEqualTo("n");
    }
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void upstreamSaysClose_connectionIsNotReused() throws Exception {
    AtomicInteger connections =
        vertxUpstream(req -> req.response().putHeader("Connection", "close").end("bye"));
    assertThat(get("/a").body()).isEqualTo("bye");
    assertThat(get("/b").body()).isEqualTo("bye");
    assertThat(connections.get()).isEqualTo(2);
  }

  @Test
  void keptConnectionClosedAsTheRequestArrives_getIsSentOnceMoreOnANewConnection()
      throws Exception {
    AtomicInteger accepted =
        rawUpstream(
            (n, s) -> {
              InputStream in = s.getInputStream();
              OutputStream out = s.getOutputStream();
              String first = readHead(in);
              if (n == 1 && first != null) {
                out.write(ok("one"));
                out.flush();
                // The next request on this connection meets a close, as when an upstream's
                // keep-alive timer fires just as the request goes out.
                readHead(in);
                s.close();
                return;
              }
              if (first != null) {
                out.write(ok("again"));
                out.flush();
              }
            });
    assertThat(get("/one").body()).isEqualTo("one");
    HttpResponse<String> second = get("/two");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.body()).isEqualTo("again");
    assertThat(accepted.get()).isEqualTo(2);
  }

  @Test
  void keptConnectionClosedAsAPostArrives_isNotSentAgain() throws Exception {
    AtomicInteger accepted =
        rawUpstream(
            (n, s) -> {
              InputStream in = s.getInputStream();
              OutputStream out = s.getOutputStream();
              if (readHead(in) != null) {
                out.write(ok("one"));
                out.flush();
                readHead(in);
                s.close();
              }
            });
    assertThat(get("/one").body()).isEqualTo("one");
    HttpResponse<String> post =
        client.send(
            HttpRequest.newBuilder(front("/pay")).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(502);
    assertThat(accepted.get()).isEqualTo(1);
  }

  @Test
  void headRequest_answerHasNoBodyAndTheConnectionStaysUsable() throws Exception {
    AtomicInteger connections =
        vertxUpstream(
            req -> {
              if (req.method().name().equals("HEAD")) {
                req.response().putHeader("Content-Length", "100").end();
              } else {
                req.response().end("body");
              }
            });
    HttpResponse<String> head =
        client.send(
            HttpRequest.newBuilder(front("/h"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue("100");
    assertThat(get("/g").body()).isEqualTo("body");
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void interimAnswer_isSkippedAndTheFinalOneRelayed() throws Exception {
    rawUpstream(
        (n, s) -> {
          if (readHead(s.getInputStream()) != null) {
            OutputStream out = s.getOutputStream();
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(ok("final"));
            out.flush();
          }
        });
    HttpResponse<String> r = get("/c");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("final");
  }

  @Test
  void malformedAnswer_is502() throws Exception {
    rawUpstream(
        (n, s) -> {
          if (readHead(s.getInputStream()) != null) {
            s.getOutputStream()
                .write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
          }
        });
    HttpResponse<String> r = get("/m");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).contains("malformed");
  }

  @Test
  void malformedAnswerOnAKeptConnection_is502AndNotSentAgain() throws Exception {
    AtomicInteger accepted =
        rawUpstream(
            (n, s) -> {
              InputStream in = s.getInputStream();
              OutputStream out = s.getOutputStream();
              if (readHead(in) != null) {
                out.write(ok("one"));
                out.flush();
              }
              if (readHead(in) != null) {
                out.write("HTTP/1.1 abc nonsense\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
            });
    assertThat(get("/one").body()).isEqualTo("one");
    HttpResponse<String> second = get("/two");
    assertThat(second.statusCode()).isEqualTo(502);
    assertThat(accepted.get()).isEqualTo(1);
  }

  /**
   * Regression: a CONNECT was sent upstream, and once its answer was a 2xx the connection's codec
   * stopped reading HTTP (a tunnel), yet the connection went back to the pool: the next request
   * given that connection waited for an answer it could never read. A CONNECT is never sent; the
   * caller gets the failure (502 here), and the upstream connections stay HTTP.
   */
  @Test
  void connect_isNeverSentUpstream_andLaterRequestsAreAnswered() throws Exception {
    List<String> heads = new CopyOnWriteArrayList<>();
    rawUpstream(
        (n, s) -> {
          InputStream in = s.getInputStream();
          for (String head; (head = readHead(in)) != null; ) {
            heads.add(head.substring(0, head.indexOf('\r')));
            s.getOutputStream().write(ok(""));
            s.getOutputStream().flush();
          }
        });

    String answer;
    try (Socket s = new Socket("127.0.0.1", front.actualPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "CONNECT /t HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }

    assertThat(answer).startsWith("HTTP/1.1 502 ");
    assertThat(answer).contains("CONNECT");
    HttpResponse<String> after = get("/after");
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(heads).containsExactly("GET /after HTTP/1.1");
  }

  /**
   * Regression: an upstream that sent more than its answer's length (an app with a response
   * splitting fault, a wrong Content-Length) left the rest in the connection's decoder, and the
   * connection went back to the pool; the next request given it, another caller's, got an answer
   * made of those bytes and its own: here a Set-Cookie chosen by whoever made the upstream send
   * them. A connection that holds bytes past the end of an answer is closed, not kept, as nginx
   * does.
   */
  @Test
  void bytesPastTheEndOfAnAnswer_connectionNotKept_nextCallerGetsItsOwnAnswer() throws Exception {
    AtomicInteger accepted =
        rawUpstream(
            (n, s) -> {
              InputStream in = s.getInputStream();
              OutputStream out = s.getOutputStream();
              for (int head = 0; readHead(in) != null; head++) {
                if (n == 1 && head == 0) {
                  out.write(
                      ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                              + "HTTP/1.1 200 OK\r\nSet-Cookie: planted=1\r\nX-Pad: ")
                          .getBytes(StandardCharsets.US_ASCII));
                } else {
                  out.write(ok("own"));
                }
                out.flush();
              }
            });

    assertThat(get("/first").body()).isEqualTo("ok");
    HttpResponse<String> next = get("/next");

    assertThat(next.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(next.body()).isEqualTo("own");
    assertThat(accepted.get()).isEqualTo(2);
  }

  /**
   * Regression: bytes an upstream sent past an answer in a later write, while the connection waited
   * idle for the next request, were not seen when they did not yet make a whole answer head: the
   * connection went to the next caller, whose request the rest of that head then answered. The
   * connection is closed as those bytes come.
   */
  @Test
  void headCutShortPastAnAnswer_whileIdle_connectionClosed_nextCallerGetsItsOwnAnswer()
      throws Exception {
    CountDownLatch spill = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    AtomicInteger accepted =
        rawUpstream(
            (n, s) -> {
              InputStream in = s.getInputStream();
              OutputStream out = s.getOutputStream();
              if (n != 1) {
                while (readHead(in) != null) {
                  out.write(ok("own"));
                  out.flush();
                }
                return;
              }
              readHead(in);
              out.write(ok("ok"));
              out.flush();
              try {
                spill.await(20, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                return;
              }
              String cutShort = "HTTP/1.1 200 OK\r\nSet-Cookie: planted=1\r\n";
              out.write(cutShort.getBytes(StandardCharsets.US_ASCII));
              out.flush();
              if (readHead(in) != null) {
                out.write("Content-Length: 6\r\n\r\nforged".getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
              while (in.read() >= 0) {
                // Until the front closes the connection.
              }
              closed.countDown();
            });

    assertThat(get("/first").body()).isEqualTo("ok");
    spill.countDown();
    boolean closedAtOnce = closed.await(10, TimeUnit.SECONDS);
    HttpResponse<String> next = get("/next");

    assertThat(next.headers().allValues("Set-Cookie")).isEmpty();
    assertThat(next.body()).isEqualTo("own");
    assertThat(closedAtOnce).isTrue();
    assertThat(accepted.get()).isEqualTo(2);
  }

  @Test
  void unreachableUpstream_is502() throws Exception {
    try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      upstreamPort = ss.getLocalPort();
    }
    HttpResponse<String> r = get("/u");
    assertThat(r.statusCode()).isEqualTo(502);
  }

  @Test
  void hopByHopHeadersOfTheAnswer_stayBehind_othersPass() throws Exception {
    vertxUpstream(
        req ->
            req.response()
                .putHeader("X-App", "kept")
                .putHeader("Keep-Alive", "timeout=5")
                .putHeader("Proxy-Authenticate", "Basic")
                .putHeader("Trailer", "X-Sum")
                .end("h"));
    HttpResponse<String> r = get("/hop");
    assertThat(r.headers().firstValue("X-App")).hasValue("kept");
    assertThat(r.headers().map().keySet())
        .map(String::toLowerCase)
        .doesNotContain("keep-alive", "proxy-authenticate", "trailer");
  }

  @Test
  void clientLeavesMidAnswer_upstreamConnectionIsClosed() throws Exception {
    CountDownLatch upstreamSawClose = new CountDownLatch(1);
    rawUpstream(
        (n, s) -> {
          if (readHead(s.getInputStream()) == null) {
            return;
          }
          OutputStream out = s.getOutputStream();
          out.write(
              "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          // Never finishes the body; waits for the gateway to give up on this connection.
          if (s.getInputStream().read() < 0) {
            upstreamSawClose.countDown();
          }
        });
    try (Socket c = new Socket("127.0.0.1", front.actualPort())) {
      c.getOutputStream()
          .write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      c.getOutputStream().flush();
      byte[] buf = new byte[256];
      int n = c.getInputStream().read(buf);
      assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
    }
    assertThat(upstreamSawClose.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void identityOfHeadersSent_hostIsTheUpstreamsAndFramingIsSetOnce() throws Exception {
    Map<String, List<String>> seen = new java.util.concurrent.ConcurrentHashMap<>();
    vertxUpstream(
        req -> {
          req.headers().names().forEach(n -> seen.put(n.toLowerCase(), req.headers().getAll(n)));
          req.response().end("ok");
        });
    client.send(
        HttpRequest.newBuilder(front("/host"))
            .POST(HttpRequest.BodyPublishers.ofString("abc"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(seen.get("host")).containsExactly("127.0.0.1:" + upstreamPort);
    assertThat(seen.get("content-length")).containsExactly("3");
    assertThat(seen).doesNotContainKey("transfer-encoding");
  }

  @Test
  void hostGivenByTheCaller_isSentAsGiven_once() throws Exception {
    keepClientHost = true;
    Map<String, List<String>> seen = new java.util.concurrent.ConcurrentHashMap<>();
    vertxUpstream(
        req -> {
          req.headers().names().forEach(n -> seen.put(n.toLowerCase(), req.headers().getAll(n)));
          req.response().end("ok");
        });
    try (Socket c = new Socket("127.0.0.1", front.actualPort())) {
      c.getOutputStream()
          .write(
              "GET /kept HTTP/1.1\r\nHost: orders.internal:8443\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      c.getOutputStream().flush();
      String answer = new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 200").endsWith("ok");
    }
    assertThat(seen.get("host")).containsExactly("orders.internal:8443");
  }

  private static byte[] ok(String body) {
    return ("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
