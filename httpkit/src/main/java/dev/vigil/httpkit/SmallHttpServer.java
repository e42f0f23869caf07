package dev.vigil.httpkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ServerSocketFactory;

/**
 * A small HTTP/1.1 server for the few endpoints that answer a {@code GET} with a document (the
 * SPIFFE bundle endpoint, the agent's metrics), which reads every request head as strictly as
 * Vigil's Netty listeners do, in place of the JDK's {@code com.sun.net.httpserver}.
 *
 * <p>Why: the JDK's server joins a field folded over two lines (obsolete line folding, RFC 9112
 * §5.2) into one value with a space, and gives its handlers no way to tell; Vigil's Netty listeners
 * refuse such a head with 400 {@code BAD_FRAMING}. A server in front that reads the lines apart may
 * route or log on another value than the one this endpoint sees. Here a head with a folded field, a
 * bare CR or LF line end, a field line without a name, or more than {@value #MAX_HEAD} bytes is
 * refused with 400 (or 431) before the handler runs, with a short reason in the body.
 *
 * <p>Each connection carries one request: the answer says {@code Connection: close} and the
 * connection closes after it, so a body the client sent is never read as a request of its own.
 * Request bodies are not read. Thread-safe; {@link #close} stops it.
 */
public final class SmallHttpServer implements AutoCloseable {

  /** The largest request head read, request line included. */
  public static final int MAX_HEAD = 16 * 1024;

  /** How long a client may take to send its head, in milliseconds. */
  private static final int HEAD_TIMEOUT_MS = 10_000;

  /**
   * A request head as read.
   *
   * @param method the method, as sent (case-sensitive, RFC 9110 §9.1)
   * @param target the request target, as sent
   * @param fields the fields by lower-case name, values in order, trimmed of surrounding blanks
   */
  public record Request(String method, String target, Map<String, List<String>> fields) {}

  /** An answer: status, fields besides the length and {@code Connection}, and body. */
  public record Answer(int status, Map<String, String> fields, byte[] body) {

    /** An answer with a UTF-8 text body of {@code type}. */
    public static Answer text(int status, String type, String body) {
      return new Answer(
          status, Map.of("Content-Type", type), body.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Answers one request; may block; an exception it throws is answered 500. */
  @FunctionalInterface
  public interface Handler {
    Answer handle(Request request) throws IOException;
  }

  /** A head refused before the handler runs: its status and why. */
  static final class Refused extends Exception {

    final int status;

    Refused(int status, String why) {
      super(why, null, false, false);
      this.status = status;
    }
  }

  private final ServerSocket socket;
  private final ExecutorService workers;
  private final Thread acceptor;

  private SmallHttpServer(ServerSocket socket, ExecutorService workers, Handler handler) {
    this.socket = socket;
    this.workers = workers;
    this.acceptor =
        Thread.ofPlatform().daemon(true).name(threadName(socket)).start(() -> accept(handler));
  }

  /**
   * Binds {@code address} with sockets of {@code sockets} (an {@link
   * javax.net.ssl.SSLServerSocketFactory} for HTTPS) and serves {@code handler} on {@code threads}
   * threads.
   *
   * @throws IOException when the address cannot be bound
   */
  public static SmallHttpServer start(
      InetSocketAddress address, ServerSocketFactory sockets, int threads, Handler handler)
      throws IOException {
    ServerSocket s = sockets.createServerSocket(address.getPort(), 50, address.getAddress());
    AtomicInteger n = new AtomicInteger();
    ExecutorService workers =
        Executors.newFixedThreadPool(
            threads,
            r ->
                Thread.ofPlatform()
                    .daemon(true)
                    .name("vigil-small-http-" + s.getLocalPort() + "-" + n.incrementAndGet())
                    .unstarted(r));
    return new SmallHttpServer(s, workers, handler);
  }

  private static String threadName(ServerSocket s) {
    return "vigil-small-http-accept-" + s.getLocalPort();
  }

  /** Returns the address bound (the port chosen when 0 was asked). */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void accept(Handler handler) {
    while (!socket.isClosed()) {
      Socket c;
      try {
        c = socket.accept();
      } catch (IOException e) {
        // Closed (close()), or one failed accept: the loop ends or goes on.
        continue;
      }
      try {
        workers.execute(() -> serve(c, handler));
      } catch (RejectedExecutionException e) {
        closeQuietly(c);
      }
    }
  }

  private static void serve(Socket c, Handler handler) {
    try (c) {
      c.setSoTimeout(HEAD_TIMEOUT_MS);
      Answer answer;
      try {
        Request r = read(c.getInputStream());
        answer = handler.handle(r);
      } catch (Refused e) {
        answer = Answer.text(e.status, "text/plain", e.getMessage() + "\n");
      } catch (IOException | RuntimeException e) {
        if (e instanceof SocketException) {
          return;
        }
        answer = Answer.text(500, "text/plain", "the answer could not be made\n");
      }
      write(c.getOutputStream(), answer);
    } catch (IOException e) {
      // The client went away, or the TLS handshake failed: nothing to answer.
    }
  }

  /**
   * Reads one request head (RFC 9112 §2.1–§5): the request line and the field lines up to the empty
   * line, each ending in CRLF.
   */
  static Request read(InputStream in) throws IOException, Refused {
    List<String> lines = lines(in);
    if (lines.isEmpty()) {
      throw new Refused(400, "bad request: no request line");
    }
    String[] start = lines.get(0).split(" ", -1);
    if (start.length != 3 || start[0].isEmpty() || start[1].isEmpty()) {
      throw new Refused(400, "bad request: the request line is not METHOD TARGET VERSION");
    }
    if (!start[2].equals("HTTP/1.1") && !start[2].equals("HTTP/1.0")) {
      throw new Refused(400, "bad request: only HTTP/1.1 and HTTP/1.0 are served here");
    }
    Map<String, List<String>> fields = new LinkedHashMap<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.startsWith(" ") || line.startsWith("\t")) {
        // RFC 9112 §5.2: a server that receives obs-fold may refuse the request with 400.
        throw new Refused(
            400, "bad request: a field is folded over more than one line (obsolete line folding)");
      }
      int colon = line.indexOf(':');
      if (colon <= 0 || !HttpTokens.isToken(line.substring(0, colon))) {
        throw new Refused(400, "bad request: a field line has no valid name before its colon");
      }
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      fields.computeIfAbsent(name, k -> new ArrayList<>()).add(line.substring(colon + 1).strip());
    }
    return new Request(start[0], start[1], fields);
  }

  /** Reads the head's lines, without their CRLF, up to the empty line that ends it. */
  private static List<String> lines(InputStream in) throws IOException, Refused {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int total = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new SocketException("the client closed the connection within the head");
      }
      if (++total > MAX_HEAD) {
        throw new Refused(431, "request header fields too large");
      }
      if (b == '\r') {
        if (in.read() != '\n') {
          throw new Refused(400, "bad request: a CR not followed by LF in the head");
        }
        total++;
        if (line.size() == 0) {
          return lines;
        }
        lines.add(line.toString(StandardCharsets.ISO_8859_1));
        line.reset();
      } else if (b == '\n') {
        throw new Refused(400, "bad request: a line of the head ends in LF without CR");
      } else {
        line.write(b);
      }
    }
  }

  private static void write(OutputStream out, Answer a) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ").append(a.status()).append(' ').append(reason(a.status()));
    head.append("\r\n");
    a.fields().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("Content-Length: ").append(a.body().length).append("\r\n");
    head.append("Connection: close\r\n\r\n");
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    out.write(a.body());
    out.flush();
  }

  private static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      default -> "Status";
    };
  }

  private static void closeQuietly(Socket c) {
    try {
      c.close();
    } catch (IOException e) {
      // Refused for want of a worker; nothing more to do.
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // Stopping is best effort.
    }
    workers.shutdownNow();
  }
}
