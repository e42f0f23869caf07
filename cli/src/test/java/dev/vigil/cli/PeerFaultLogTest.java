package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service log under the logback configuration {@code vigil up} ships (not a test one): a
 * client's faults on a connection leave no line in it, and a fault of the server's own on a
 * connection does. Regression: the configuration turned Vert.x's {@code ConnectionBase} logger off
 * to silence the first kind, which silenced the second as well.
 */
class PeerFaultLogTest {

  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** RFC 9113 §7 error codes, as a GOAWAY carries them. */
  private static final int PROTOCOL_ERROR = 0x1;

  private static final int FRAME_SIZE_ERROR = 0x6;

  @TempDir Path tmp;
  private Process server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void shippedConfiguration_clientFaultsLeaveNoLine_ownFaultIsLoggedWithItsTrace()
      throws Exception {
    Path log = tmp.resolve("server.log");
    int[] ports = start(log);
    int plain = ports[0];
    int tls = ports[1];

    // HTTP/2 with prior knowledge: a first frame that is not SETTINGS, and a SETTINGS frame of a
    // wrong size. The codec refuses both with GOAWAY: they are faults, and the client's.
    assertThat(goAwayCode(plainConnection(plain), concat(PREFACE, "garbage garbage".getBytes())))
        .isEqualTo(PROTOCOL_ERROR);
    assertThat(goAwayCode(plainConnection(plain), concat(PREFACE, settingsOfFiveBytes())))
        .isEqualTo(FRAME_SIZE_ERROR);
    // HTTP/2 over TLS with an HTTP/1.1 request for a preface.
    assertThat(
            goAwayCode(
                tlsConnection(tls, "h2"),
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
        .isEqualTo(PROTOCOL_ERROR);
    // Not TLS at all on the TLS port.
    readToEnd(
        plainConnection(tls), "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));

    // Then a fault of the server's own, on a connection of its one event loop: by the time its
    // line is written, the lines of the connections before it have been.
    readToEnd(
        plainConnection(plain),
        "GET /own-fault HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    String written = awaitLine(log, PeerFaultServer.OWN_FAULT);

    assertThat(written)
        .as(written)
        .contains("ERROR ConnectionBase - " + PeerFaultServer.OWN_FAULT)
        .contains("java.lang.IllegalStateException: " + PeerFaultServer.OWN_FAULT)
        .doesNotContain("Http2Exception", "First received frame", "Frame length", "HTTP/1.x")
        .doesNotContain("complete already", "SSL", "not an SSL/TLS record");
  }

  /**
   * The same faults against {@code vigil up}'s gateway, on its plain and TLS listeners: each is
   * refused, and the service log has the gateway's own line for it (rate-limited), and none of
   * Vert.x's or Netty's.
   */
  @Test
  void vigilUp_http2FaultsOfClients_onlyTheGatewaysRefusalLines() throws Exception {
    try (UpProcess up = new UpProcess(tmp)) {
      up.start();

      assertThat(goAwayCode(plainConnection(up.gateway), concat(PREFACE, "garbage!".getBytes())))
          .isEqualTo(PROTOCOL_ERROR);
      assertThat(goAwayCode(plainConnection(up.gateway), concat(PREFACE, settingsOfFiveBytes())))
          .isEqualTo(FRAME_SIZE_ERROR);
      assertThat(
              goAwayCode(
                  tlsConnection(up.gatewayTls, "h2"),
                  "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)))
          .isEqualTo(PROTOCOL_ERROR);
      readToEnd(
          plainConnection(up.gatewayTls),
          "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.UTF_8));
      String written = awaitSettled(up.log, "code=HTTP2_FRAME_SIZE_ERROR", 3, "refused peer:");

      assertThat(written)
          .as(written)
          .contains("code=HTTP2_PROTOCOL_ERROR", "code=HTTP2_FRAME_SIZE_ERROR")
          .doesNotContain("ConnectionBase", "AbstractChannelHandlerContext", "Http2Exception")
          .doesNotContain("complete already", "not an SSL/TLS record");
    }
  }

  /**
   * Waits up to 30 s for the log to hold {@code text} and {@code count} lines with {@code each},
   * then for it to stop growing for a second (the lines of a connection are written on its event
   * loop, not the one that wrote the last refusal); returns the log.
   */
  private static String awaitSettled(Path log, String text, int count, String each)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String now = read(log);
    while ((!now.contains(text) || now.split(each, -1).length - 1 < count)
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
      now = read(log);
    }
    String before;
    do {
      before = now;
      Thread.sleep(1_000);
      now = read(log);
    } while (!now.equals(before) && System.nanoTime() < deadline);
    return now;
  }

  /** Starts {@link PeerFaultServer}; returns its plain and TLS ports. */
  private int[] start(Path log) throws Exception {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            PeerFaultServer.class.getName());
    server = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line)
        .as("the server's first line; it logged:\n%s", read(log))
        .startsWith("listening ");
    String[] f = line.split(" ");
    return new int[] {Integer.parseInt(f[1]), Integer.parseInt(f[2])};
  }

  private static String read(Path log) throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  /** Waits up to 30 s for {@code text} in the log; returns the log as it is then. */
  private static String awaitLine(Path log, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String now = read(log);
    while (!now.contains(text) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      now = read(log);
    }
    return now;
  }

  private static Socket plainConnection(int port) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
    s.setSoTimeout(10_000);
    return s;
  }

  private static Socket tlsConnection(int port, String alpn) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new AnyCertificate()}, null);
    SSLSocket s =
        (SSLSocket)
            ctx.getSocketFactory().createSocket(plainConnection(port), "localhost", port, true);
    SSLParameters p = s.getSSLParameters();
    p.setApplicationProtocols(new String[] {alpn});
    s.setSSLParameters(p);
    s.startHandshake();
    return s;
  }

  /** Sends {@code bytes}, reads frames until a GOAWAY; returns its error code, or -1 for none. */
  private static int goAwayCode(Socket s, byte[] bytes) throws IOException {
    try (s) {
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      while (true) {
        byte[] head = new byte[9];
        in.readFully(head);
        int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
        byte[] payload = new byte[length];
        in.readFully(payload);
        if (head[3] == 0x7 && length >= 8) {
          readToEnd(in);
          return ((payload[4] & 0xff) << 24)
              | ((payload[5] & 0xff) << 16)
              | ((payload[6] & 0xff) << 8)
              | (payload[7] & 0xff);
        }
      }
    } catch (EOFException | SocketTimeoutException e) {
      return -1;
    }
  }

  /** Sends {@code bytes} and reads until the server closes the connection. */
  private static void readToEnd(Socket s, byte[] bytes) throws IOException {
    try (s) {
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      readToEnd(s.getInputStream());
    } catch (IOException e) {
      // A reset or an alert is the end too.
    }
  }

  private static void readToEnd(InputStream in) throws IOException {
    byte[] buf = new byte[4096];
    while (in.read(buf) >= 0) {
      // Drained.
    }
  }

  /** A SETTINGS frame whose payload is 5 bytes: not a multiple of 6 (RFC 9113 §6.5). */
  private static byte[] settingsOfFiveBytes() {
    return new byte[] {0, 0, 5, 0x4, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5};
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** The test server's certificate is self-signed: this client checks nothing. */
  private static final class AnyCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
