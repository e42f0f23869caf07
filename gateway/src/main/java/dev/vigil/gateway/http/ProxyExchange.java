package dev.vigil.gateway.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The two halves of relaying one HTTP exchange that the edge gateway and the sidecar share: the
 * client's body sent upstream as it came (a length, chunks, or none), and the upstream's answer
 * piped back without the headers that belong to one hop (RFC 9110 §7.6.1: those of {@link
 * #HOP_BY_HOP}, and those its {@code Connection} names) and, from an app, without those Vigil
 * writes itself ({@link AnswerHygiene}).
 */
public final class ProxyExchange {

  /** Headers of one connection, never relayed (the length is set again where it applies). */
  public static final Set<String> HOP_BY_HOP =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length");

  private ProxyExchange() {}

  private static final AsciiString[] HOP_BY_HOP_NAMES =
      HOP_BY_HOP.stream().map(AsciiString::cached).toArray(AsciiString[]::new);

  private static final String CONNECTION = "Connection";

  /**
   * Returns the lower-case names that a message's {@code Connection} fields list (RFC 9110 §7.6.1:
   * options of this one connection, whose fields a proxy must not forward), less {@code close} and
   * the names never relayed anyway; an empty set, and nothing allocated, when they list no other
   * (no {@code Connection}, or {@code keep-alive}, {@code close}, {@code upgrade}).
   */
  public static Set<String> connectionOptions(MultiMap headers) {
    return headers.contains(CONNECTION) ? options(headers.getAll(CONNECTION)) : Set.of();
  }

  /** As {@link #connectionOptions(MultiMap)}, for Netty's headers. */
  public static Set<String> connectionOptions(HttpHeaders headers) {
    return headers.contains(CONNECTION) ? options(headers.getAll(CONNECTION)) : Set.of();
  }

  private static Set<String> options(List<String> fields) {
    Set<String> named = null;
    for (String field : fields) {
      int i = 0;
      int n = field.length();
      while (i < n) {
        int comma = field.indexOf(',', i);
        int end = comma < 0 ? n : comma;
        int from = i;
        int to = end;
        while (from < to && isBlank(field.charAt(from))) {
          from++;
        }
        while (to > from && isBlank(field.charAt(to - 1))) {
          to--;
        }
        if (to > from && !knownOption(field, from, to - from)) {
          if (named == null) {
            named = new HashSet<>();
          }
          named.add(field.substring(from, to).toLowerCase(Locale.ROOT));
        }
        i = end + 1;
      }
    }
    return named == null ? Set.of() : named;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  /** Tells whether the option is {@code close} or a name never relayed, compared in place. */
  private static boolean knownOption(String field, int from, int length) {
    if (length == 5 && field.regionMatches(true, from, "close", 0, 5)) {
      return true;
    }
    for (AsciiString h : HOP_BY_HOP_NAMES) {
      if (h.length() == length && field.regionMatches(true, from, h.toString(), 0, length)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Removes from {@code headers} those their {@code Connection} names ({@link #connectionOptions});
   * called before a relay adds headers of its own, which no such name can then remove.
   */
  public static void removeConnectionOptions(MultiMap headers) {
    for (String name : connectionOptions(headers)) {
      headers.remove(name);
    }
  }

  /**
   * Tells whether a header of that name is relayed, given the options its message's {@code
   * Connection} listed ({@link #connectionOptions}).
   */
  public static boolean relayed(CharSequence headerName, Set<String> connectionOptions) {
    return relayed(headerName)
        && (connectionOptions.isEmpty()
            || !connectionOptions.contains(headerName.toString().toLowerCase(Locale.ROOT)));
  }

  /** Tells whether a request or response header of that name is relayed. */
  public static boolean relayed(CharSequence headerName) {
    // Compared in place, case-insensitively: no lower-cased copy per header.
    for (AsciiString h : HOP_BY_HOP_NAMES) {
      if (h.contentEqualsIgnoreCase(headerName)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Sends the client's body (paused until now) upstream the way it came, and returns the answer.
   * When the client's request fails before its end (its HTTP/2 stream reset, its connection lost),
   * the upstream request is reset, never ended: see {@link #stream}.
   */
  public static Future<HttpClientResponse> sendBody(HttpServerRequest req, HttpClientRequest out) {
    return sendBody(req, out, () -> {});
  }

  /**
   * As {@link #sendBody(HttpServerRequest, HttpClientRequest)}, with {@code sent} run (on the
   * request's context) each time a piece of the body has been handed to {@code out}.
   */
  public static Future<HttpClientResponse> sendBody(
      HttpServerRequest req, HttpClientRequest out, Runnable sent) {
    out.headers().remove("Content-Length");
    switch (framing(req)) {
      case LENGTH -> {
        out.putHeader("Content-Length", req.headers().get("Content-Length"));
        return stream(req, out, sent);
      }
      case CHUNKED -> {
        out.setChunked(true);
        return stream(req, out, sent);
      }
      default -> {
        // No body: send none, and let the request end.
        RequestBodies.resume(req);
        return out.send();
      }
    }
  }

  /**
   * Streams the client's body to {@code out} with back-pressure, and returns the answer.
   *
   * <p>Why not {@code out.send(req)}: Vert.x pipes the body with a pipe that ends its destination
   * when the source fails, so a client that cancelled part way reached the upstream as a request
   * whose body had ended normally: a cancelled gRPC client stream was completed at the app (which
   * may commit what it got), and a chunked upload was cut short but whole. Here a failed client
   * request resets {@code out} (HTTP/2 {@code CANCEL}, RFC 9113 section 7; over HTTP/1.1 the
   * connection is closed), and once {@code out} has failed nothing more is written to it.
   */
  private static Future<HttpClientResponse> stream(
      HttpServerRequest req, HttpClientRequest out, Runnable sent) {
    Future<HttpClientResponse> answer = out.response();
    if (req.isEnded()) {
      out.end();
      return answer;
    }
    AtomicBoolean over = new AtomicBoolean();
    // The answer's future carries every failure of out (reset here, or by the upstream); without a
    // handler Vert.x also logs each one, a cancelled call included, as an unhandled ERROR.
    out.exceptionHandler(e -> over.set(true));
    answer.onFailure(e -> over.set(true));
    req.handler(
        chunk -> {
          if (over.get()) {
            return;
          }
          out.write(chunk);
          sent.run();
          if (out.writeQueueFull()) {
            req.pause();
            out.drainHandler(v -> req.resume());
          }
        });
    req.endHandler(
        v -> {
          if (over.compareAndSet(false, true)) {
            out.end();
          }
        });
    req.exceptionHandler(
        e -> {
          if (over.compareAndSet(false, true)) {
            out.reset(CANCEL);
          }
        });
    RequestBodies.resume(req);
    return answer;
  }

  /** The HTTP/2 error code CANCEL (RFC 9113 section 7): the stream is no longer needed. */
  public static final long CANCEL = 0x8;

  /** How the body of a relayed request is framed on its way upstream. */
  public enum Framing {
    /** No body. */
    NONE,
    /** The client's {@code Content-Length}. */
    LENGTH,
    /** HTTP/1.1 chunks. */
    CHUNKED
  }

  /**
   * Returns how to frame the client's body upstream: with its length when it gave one, in chunks
   * when it sent chunks or, over HTTP/2 (which frames a body without a length), when its method may
   * carry a body (RFC 9110 section 9.3), else with none.
   */
  public static Framing framing(HttpServerRequest req) {
    if (req.headers().contains("Content-Length")) {
      return Framing.LENGTH;
    }
    if (req.headers().contains("Transfer-Encoding")
        || (req.version() == HttpVersion.HTTP_2 && mayHaveBody(req.method().name()))) {
      return Framing.CHUNKED;
    }
    return Framing.NONE;
  }

  private static boolean mayHaveBody(String method) {
    return switch (method) {
      case "GET", "HEAD", "DELETE", "OPTIONS", "TRACE" -> false;
      default -> true;
    };
  }

  /**
   * Answers the client with the upstream's status, end-to-end headers and body.
   *
   * @param fromApp true when the answer is an app's (or any upstream's the edge relays): it then
   *     loses the headers Vigil owns ({@link AnswerHygiene}); false for the answer of another
   *     workload's sidecar to the outbound listener, whose own {@code X-Vigil-Decision-Id} (on its
   *     refusals) is meant for the calling app, and whose app's headers it has already removed
   */
  public static void relayAnswer(HttpServerRequest req, HttpClientResponse resp, boolean fromApp) {
    HttpServerResponse answer = req.response().setStatusCode(resp.statusCode());
    answer.setStatusMessage(resp.statusMessage());
    Set<String> named = connectionOptions(resp.headers());
    for (Map.Entry<String, String> h : resp.headers()) {
      String n = h.getKey().toLowerCase(Locale.ROOT);
      if ((fromApp && AnswerHygiene.owned(n, h.getValue())) || named.contains(n)) {
        continue;
      }
      if (!HOP_BY_HOP.contains(n) || n.equals("content-length")) {
        answer.headers().add(h.getKey(), h.getValue());
      }
    }
    if (!answer.headers().contains("Content-Length")) {
      answer.setChunked(true);
    }
    resp.pipeTo(answer);
  }
}
