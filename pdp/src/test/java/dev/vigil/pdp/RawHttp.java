package dev.vigil.pdp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An HTTP/1.1 client on a plain socket, for tests that need control over every byte: it sends
 * requests whole or a byte at a time and reads responses with a {@code Content-Length}.
 */
final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(Socket socket) throws IOException {
    this.socket = socket;
    socket.setSoTimeout(20_000);
    socket.setTcpNoDelay(true);
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RawHttp connect(int port) throws IOException {
    return new RawHttp(new Socket("127.0.0.1", port));
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }

  void send(String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /** Reads one response and returns its status code and body as {@code "200 body"}. */
  String readResponse() throws IOException {
    String status = readLine();
    if (status == null) {
      throw new IOException("connection closed before a response");
    }
    int length = 0;
    for (String line = readLine(); line != null && !line.isEmpty(); line = readLine()) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(line.substring("content-length:".length()).strip());
      }
    }
    byte[] body = in.readNBytes(length);
    return status.split(" ")[1] + " " + new String(body, StandardCharsets.UTF_8);
  }

  /** Sends {@code text} one byte every {@code gapMillis}. */
  void trickle(String text, long gapMillis) throws Exception {
    for (byte b : text.getBytes(StandardCharsets.US_ASCII)) {
      out.write(b);
      out.flush();
      Thread.sleep(gapMillis);
    }
  }

  /**
   * Sends {@code text} one byte every {@code gapMillis} until the server closes the connection, and
   * returns what the server sent before closing; null if all of {@code text} went out and the
   * connection stayed open for 10 s more.
   */
  String trickleUntilClosed(String text, long gapMillis) throws Exception {
    CompletableFuture<String> answer = CompletableFuture.supplyAsync(this::readToEnd);
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < bytes.length && !answer.isDone(); i++) {
      try {
        out.write(bytes[i]);
        out.flush();
      } catch (IOException e) {
        break; // the server closed; the reader has what it sent
      }
      Thread.sleep(gapMillis);
    }
    try {
      return answer.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      return null;
    }
  }

  /** Returns whether the server closes the connection within {@code millis}, sending nothing. */
  boolean closedSilentlyWithin(long millis) throws IOException {
    socket.setSoTimeout((int) millis);
    try {
      return in.read() == -1;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
  }

  private String readToEnd() {
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    byte[] buf = new byte[512];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        got.write(buf, 0, n);
      }
    } catch (IOException e) {
      // A reset after the server closed: keep what came before it.
    }
    return got.toString(StandardCharsets.US_ASCII);
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        String s = line.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
