package dev.vigil.pdp;

import dev.vigil.httpkit.HttpTokens;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Refuses HTTP/1.x requests whose body could be delimited two ways, so that no proxy behind a Vigil
 * listener reads a request the listener did not see (request smuggling, RFC 9112 §6 and §11.2).
 *
 * <p>A request head is refused with 400, and nothing after it on the connection is read, when it
 * has a {@code Transfer-Encoding} other than exactly one {@code chunked} coding (any case), a
 * {@code Transfer-Encoding} under HTTP/1.0 (§6.1), both {@code Transfer-Encoding} and {@code
 * Content-Length} (§6.3), or a {@code Content-Length} that is not a plain decimal number. Netty
 * alone would read {@code xchunked} as no body and the rest as a new request, read {@code gzip,
 * chunked} as chunks and drop the coding, and drop the length of a request that has both. A body
 * whose chunks are malformed (a bad size, a missing CRLF) is answered 400 too, when no answer to
 * that request has begun, and the connection is closed either way.
 *
 * <p>How: the Vert.x request decoder of each connection is replaced by a subclass that checks every
 * head once its fields are read; a refused head becomes an invalid request, which Vert.x answers
 * 400 and which leaves the decoder discarding all later bytes. On a port that also takes h2c the
 * decoder appears only with the first bytes, so a one-shot handler swaps it then. A second handler
 * next to Vert.x's own sees malformed chunks, which Vert.x would answer by closing the connection
 * without a word. HTTP/2 framing is Netty's HTTP/2 codec's business, but a Vigil server that relays
 * an HTTP/2 request to HTTP/1.1 refuses connection-specific fields with {@link #http2Refusal}, and
 * fields that would not survive as HTTP/1.1 lines with {@link #http2FieldRefusal}. Installed by
 * {@link HeadDeadline#createHttpServer}, so every Vigil listener gets it.
 *
 * <p>A head with a field folded over more than one line (obsolete line folding, RFC 9112 §5.2: a
 * line starting with a space or a tab) is refused the same way, whatever the field: Netty joins the
 * folded line to the field before it with a space, so the request Vigil decides on and relays would
 * hold a value that a server behind, reading the folded line as a field of its own, does not see.
 * RFC 9112 lets a server refuse it with 400; no Vigil listener relays it ({@link FoldScan}).
 *
 * <p>The same decoder sees that a request whose {@code Connection} lists {@code close} among other
 * options ({@code Connection: close, X-Trace}) is the last of its connection (RFC 9112 §9.6), which
 * Vert.x misses: it closes the connection after the answer only for a field whose whole value is
 * {@code close}, and otherwise kept it open and read the next request. Such a head is given a field
 * {@code Connection: close} of its own ({@link #markClose}), which Vert.x then honours: the answer
 * says {@code Connection: close}, the connection closes once it is sent, and a request pipelined
 * after it is never read.
 */
public final class RequestFraming {

  private static final byte[] BAD_CHUNK_RESPONSE =
      badRequest("the request body's chunked framing is malformed");

  private static byte[] badRequest(String message) {
    String body = "{\"error\":\"bad_request\",\"message\":\"" + message + "\"}";
    return ("HTTP/1.1 400 Bad Request\r\n"
            + "Content-Type: application/json\r\n"
            + "Content-Length: "
            + body.length()
            + "\r\nConnection: close\r\n\r\n"
            + body)
        .getBytes(StandardCharsets.US_ASCII);
  }

  private RequestFraming() {}

  /**
   * An HTTP/1.1 request without a Host field that asks to be upgraded to h2c (RFC 7540 §3.2).
   * Vert.x answers such a request {@code 101 Switching Protocols} and then fails to make its HTTP/2
   * stream (it copies the absent Host into {@code :authority}), so the request never reaches a
   * handler and is never answered; refused here in the head instead, it is answered 400 and logged
   * as {@code NO_HOST}, as an HTTP/2 request without {@code :authority} or Host is ({@link
   * HostHeader}).
   */
  public static final class NoHost extends IllegalArgumentException {

    NoHost() {
      super("the request asks for an upgrade to h2c and has no Host header");
    }
  }

  /**
   * Returns the refusal code of a head the decoder could not read ({@code cause}, from {@code
   * decoderResult()}): {@code TOO_LONG} for a head or line over the limits, {@code NO_HOST} for
   * {@link NoHost}, {@code BAD_FRAMING} otherwise.
   */
  public static String code(Throwable cause) {
    if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      return "TOO_LONG";
    }
    return cause instanceof NoHost ? "NO_HOST" : "BAD_FRAMING";
  }

  /** Tells whether an HTTP/1.x head asks for h2c (RFC 7540 §3.2) without a Host field. */
  static boolean h2cWithoutHost(HttpHeaders headers) {
    if (headers.contains(HttpHeaderNames.HOST)) {
      return false;
    }
    for (String upgrade : headers.getAll(HttpHeaderNames.UPGRADE)) {
      for (String token : upgrade.split(",")) {
        if (token.strip().equalsIgnoreCase("h2c")) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Returns why the framing of a request head is refused, or null when it is unambiguous.
   *
   * @param version the request's HTTP version
   * @param headers the request's header fields as received
   */
  public static String refusal(HttpVersion version, HttpHeaders headers) {
    List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
    List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
    if (!codings.isEmpty()) {
      String te = quote(String.join(", ", codings));
      if (version.equals(HttpVersion.HTTP_1_0)) {
        return "Transfer-Encoding " + te + " in an HTTP/1.0 request";
      }
      if (codings.size() != 1 || !codings.get(0).strip().equalsIgnoreCase("chunked")) {
        return "Transfer-Encoding " + te + " is not supported: only \"chunked\" is";
      }
      if (!lengths.isEmpty()) {
        return "the request has both Content-Length and Transfer-Encoding";
      }
    }
    for (String length : lengths) {
      if (!decimal(length.strip())) {
        return "Content-Length " + quote(length) + " is not a decimal number";
      }
    }
    return null;
  }

  /**
   * Returns why an HTTP/2 request is malformed by a connection-specific field (RFC 9113 §8.2.2), or
   * null: {@code Transfer-Encoding}, {@code Connection}, {@code Keep-Alive}, {@code
   * Proxy-Connection}, {@code Upgrade}, or a {@code TE} other than {@code trailers}. Such a request
   * is refused rather than relayed to an HTTP/1.1 upstream, where the field would mean something.
   */
  public static String http2Refusal(
      Iterable<String> names, java.util.function.Function<String, String> value) {
    for (String name : names) {
      String n = name.toLowerCase(java.util.Locale.ROOT);
      switch (n) {
        case "transfer-encoding", "connection", "keep-alive", "proxy-connection", "upgrade" -> {
          return "HTTP/2 request with the connection-specific field " + n;
        }
        case "te" -> {
          if (!"trailers".equalsIgnoreCase(value.apply(name).strip())) {
            return "HTTP/2 request with a TE other than trailers";
          }
        }
        default -> {}
      }
    }
    return null;
  }

  /**
   * Returns why an HTTP/2 request is malformed by one of its fields (RFC 9113 §8.2.1), or null: a
   * name that is empty or not a token of lower-case letters, digits and {@code !#$%&'*+-.^_`|~}
   * (RFC 9110 §5.6.2), or a value holding a NUL, CR, LF or other control character but HTAB, or
   * starting or ending with a space or HTAB. HPACK carries any byte; Netty's HTTP/2 codec (4.2.18)
   * resets a stream whose name is no lower-case token or whose value holds a control character or
   * starts with a space or HTAB, but passes a value that ends with one, and older codecs passed
   * them all. Relayed to an HTTP/1.1 upstream a CR LF in a value would end the field and start
   * another, or another request on the connection, so the check stays whatever the codec does. The
   * value is never quoted: it may be markup or a secret.
   *
   * @param fields the request's fields, pseudo-header fields excluded
   */
  public static String http2FieldRefusal(Iterable<Map.Entry<String, String>> fields) {
    for (Map.Entry<String, String> f : fields) {
      String name = f.getKey();
      if (!lowerCaseToken(name)) {
        return "HTTP/2 request with a field whose name is not a lower-case token";
      }
      String value = f.getValue();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          return "HTTP/2 request with a control character in the value of field " + name;
        }
      }
      if (!value.isEmpty() && (blank(value.charAt(0)) || blank(value.charAt(value.length() - 1)))) {
        return "HTTP/2 request with a blank at the start or end of the value of field " + name;
      }
    }
    return null;
  }

  /**
   * Adds {@code Connection: close} to a request head whose {@code Connection} fields list the
   * {@code close} option (RFC 9112 §9.6; options are comma-separated, in any case, RFC 9110 §7.6.1)
   * without one of them being exactly {@code close}, the only form Vert.x recognises; does nothing
   * otherwise. The other options are left as they are, for a relay to remove what they name.
   */
  public static void markClose(HttpHeaders headers) {
    if (!headers.contains(HttpHeaderNames.CONNECTION)) {
      return;
    }
    boolean listed = false;
    for (String field : headers.getAll(HttpHeaderNames.CONNECTION)) {
      if (field.strip().equalsIgnoreCase("close")) {
        return;
      }
      for (String option : field.split(",")) {
        listed |= option.strip().equalsIgnoreCase("close");
      }
    }
    if (listed) {
      headers.add(HttpHeaderNames.CONNECTION, "close");
    }
  }

  private static boolean lowerCaseToken(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if ((c >= 'A' && c <= 'Z') || !HttpTokens.isTchar(c)) {
        return false;
      }
    }
    return true;
  }

  private static boolean blank(char c) {
    return c == ' ' || c == '\t';
  }

  private static boolean decimal(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static String quote(String s) {
    return "\"" + (s.length() > 64 ? s.substring(0, 64) + "..." : s) + "\"";
  }

  /**
   * Puts the checks in place on a new connection's pipeline, unless it speaks HTTP/2 already. Must
   * run where {@link VertxChannelHook} calls back: on the event loop, before the first read.
   */
  static void install(ChannelPipeline pipeline, HttpServerOptions options) {
    if (pipeline.get(Http2ConnectionHandler.class) != null || pipeline.lastContext() == null) {
      return;
    }
    pipeline.addBefore(pipeline.lastContext().name(), "vigilFramingChunks", new Chunks());
    if (!swapDecoder(pipeline, options)) {
      // h2c port: Vert.x adds the decoder in front of the first of these once the first bytes show
      // HTTP/1.x, so a handler there sees those bytes after the decoder exists, before it reads.
      for (String name : new String[] {"chunkedWriter", "idle", "handler"}) {
        if (pipeline.get(name) != null) {
          pipeline.addBefore(name, "vigilFramingSwap", new Swap(options));
          return;
        }
      }
    }
  }

  /** Replaces Vert.x's request decoder by the strict one; false when there is none yet. */
  private static boolean swapDecoder(ChannelPipeline pipeline, HttpServerOptions options) {
    ChannelHandlerContext decoder = pipeline.context(HttpRequestDecoder.class);
    if (decoder == null) {
      return false;
    }
    if (!(decoder.handler() instanceof StrictDecoder)) {
      pipeline.replace(decoder.name(), decoder.name(), new StrictDecoder(options));
    }
    return true;
  }

  /** Vert.x's decoder, refusing a head whose framing is ambiguous or that folds a field. */
  private static final class StrictDecoder extends VertxHttpRequestDecoder {

    private final FoldScan folds = new FoldScan();

    StrictDecoder(HttpServerOptions options) {
      super(options);
    }

    /**
     * Reads the head's bytes for folded lines before Netty does (Netty joins a folded line to the
     * field before it, leaving no trace), then lets Netty decode, then follows where the head ends
     * and where the next one starts.
     */
    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out)
        throws Exception {
      folds.look(buffer);
      int before = buffer.readerIndex();
      int already = out.size();
      super.decode(ctx, buffer, out);
      folds.consumed(buffer, before, buffer.readerIndex());
      for (int i = already; i < out.size(); i++) {
        if (out.get(i) instanceof LastHttpContent) {
          folds.nextHead();
        }
      }
    }

    /**
     * Netty calls this once a head's fields are read and before it decides how the body is
     * delimited; an exception here makes the head an invalid request and ends decoding.
     */
    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
      String refusal = folds.refusal();
      if (refusal == null) {
        refusal = refusal(msg.protocolVersion(), msg.headers());
      }
      if (refusal == null && h2cWithoutHost(msg.headers())) {
        refusal = "";
      }
      if (refusal != null) {
        // Vert.x hands the refused head on with its fields, and its h2c upgrade handler, which
        // does not look at the decoder's result, would switch protocols for it (101) instead of
        // letting the refusal be answered: a refused head is never upgraded.
        boolean noHost = refusal.isEmpty();
        msg.headers().remove(HttpHeaderNames.UPGRADE);
        throw noHost ? new NoHost() : new IllegalArgumentException(refusal);
      }
      markClose(msg.headers());
      return super.isContentAlwaysEmpty(msg);
    }
  }

  /**
   * Finds obsolete line folding (RFC 9112 §5.2) in request heads: a field line that starts with a
   * space or a tab, which Netty joins to the field before it with a space, so that the request
   * Vigil decides on and passes on holds a value that a server reading the folded line another way
   * (as a field of its own, or as the end of the head) does not see. Such a head is refused, as RFC
   * 9112 allows a server to; so is a line starting with a space or a tab right after the request
   * line (§2.2), which Netty reads as a field.
   *
   * <p>{@link #look} reads ahead from where the decoder stands, without moving anything, so that
   * the verdict is known when the decoder has read the head's last line; {@link #consumed} then
   * moves the scanner over what the decoder took, which is what was looked at (the whole head, or
   * all the bytes there were) unless the decoder stopped short, and is only walked again then. A
   * field name is read only for a refusal, or when a head's bytes end inside it. Netty's head
   * parser takes whole lines only, and returns after each head and after the end of each body, so a
   * head's bytes never share a decode call with the body before it. Used on the connection's event
   * loop.
   */
  static final class FoldScan {

    /** Before the request line: the empty lines and control characters Netty skips. */
    private static final int BEFORE = 0;

    private static final int REQUEST_LINE = 1;

    /** At the first byte of a field line, or of the empty line ending the head. */
    private static final int LINE_START = 2;

    private static final int FIELD = 3;

    /** A CR at the start of a line: the empty line ending the head, once its LF comes. */
    private static final int EMPTY_LINE = 4;

    /** The head has ended: what follows is its body, until the decoder says it ended. */
    static final int BODY = 5;

    /** Names longer than this are cut to it in the refusal. */
    private static final int NAME_MAX = 64;

    /** The scanner's place in the bytes the decoder has taken. */
    private int state = BEFORE;

    /**
     * The name of the last field line begun in bytes already taken, made only when a head's bytes
     * end before the head does; null before the first field line.
     */
    private String field;

    /** What {@link #look} found: the name of the field folded, or "" after the request line. */
    private String folded;

    /** Where the last {@link #look} started and stopped, and the state it stopped in. */
    private int lookedFrom = -1;

    private int lookedTo;

    private int lookedState;

    private int lookedFieldStart;

    void look(ByteBuf buffer) {
      lookedFrom = -1;
      if (state == BODY) {
        return;
      }
      int s = state;
      int fieldStart = -1;
      int from = buffer.readerIndex();
      int i = from;
      int end = buffer.writerIndex();
      while (i < end && s != BODY) {
        byte b = buffer.getByte(i);
        if (s == LINE_START && (b == ' ' || b == '\t') && folded == null) {
          folded = fieldStart >= 0 ? name(buffer, fieldStart, end) : field == null ? "" : field;
        }
        if (s == LINE_START && b != ' ' && b != '\t' && b != '\r' && b != '\n') {
          fieldStart = i;
        }
        s = step(s, b);
        i++;
      }
      lookedFrom = from;
      lookedTo = i;
      lookedState = s;
      lookedFieldStart = fieldStart;
    }

    /**
     * Moves the scanner over the bytes the decoder took, {@code from} to {@code to}: what the last
     * {@link #look} already walked is not walked again.
     */
    void consumed(ByteBuf buffer, int from, int to) {
      int s;
      int fieldStart;
      if (from == lookedFrom && (lookedTo == to || (lookedState == BODY && lookedTo <= to))) {
        s = lookedState;
        fieldStart = lookedFieldStart;
      } else {
        s = state;
        fieldStart = -1;
        for (int i = from; i < to && s != BODY; i++) {
          byte b = buffer.getByte(i);
          if (s == LINE_START && b != ' ' && b != '\t' && b != '\r' && b != '\n') {
            fieldStart = i;
          }
          s = step(s, b);
        }
      }
      lookedFrom = -1;
      state = s;
      if (s != BODY && fieldStart >= 0) {
        // The head goes on in bytes still to come: a fold there needs this line's name.
        field = name(buffer, fieldStart, to);
      }
    }

    /** The request ended: the next bytes are the next head's. */
    void nextHead() {
      state = BEFORE;
      field = null;
      folded = null;
      lookedFrom = -1;
    }

    String refusal() {
      if (folded == null) {
        return null;
      }
      return folded.isEmpty()
          ? "the request head has a line starting with a space or tab after the request line"
          : "the request head folds field "
              + folded
              + " over more than one line (obsolete line folding, RFC 9112 section 5.2)";
    }

    /** The scanner's state after one byte. */
    private static int step(int state, byte b) {
      return switch (state) {
        // What Netty skips before a request line: ASCII control characters and blanks.
        case BEFORE -> (b >= 0 && b <= 0x20) || b == 0x7f ? BEFORE : REQUEST_LINE;
        case REQUEST_LINE -> b == '\n' ? LINE_START : REQUEST_LINE;
        case LINE_START -> b == '\r' ? EMPTY_LINE : b == '\n' ? BODY : FIELD;
        case FIELD -> b == '\n' ? LINE_START : FIELD;
        case EMPTY_LINE -> b == '\n' ? BODY : FIELD;
        default -> state;
      };
    }

    /**
     * The name of the field line starting at {@code start}, lower-cased, as a refusal shows it: up
     * to its colon or line end, at most {@value #NAME_MAX} bytes, or "(unnamed)" when that is not a
     * token.
     */
    private static String name(ByteBuf buffer, int start, int end) {
      StringBuilder name = new StringBuilder();
      for (int i = start; i < end && name.length() < NAME_MAX; i++) {
        byte b = buffer.getByte(i);
        if (b == ':' || b == '\n') {
          break;
        }
        name.append((char) (b & 0xff));
      }
      return HttpTokens.isToken(name)
          ? name.toString().toLowerCase(java.util.Locale.ROOT)
          : "(unnamed)";
    }
  }

  /** Swaps the decoder in at the first bytes of a connection on an h2c port, then leaves. */
  private static final class Swap extends ChannelInboundHandlerAdapter {

    private final HttpServerOptions options;

    Swap(HttpServerOptions options) {
      this.options = options;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ChannelPipeline pipeline = ctx.pipeline();
      if (swapDecoder(pipeline, options) || pipeline.get(Http2ConnectionHandler.class) != null) {
        pipeline.remove(this);
      }
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * Answers a request whose chunks are malformed with 400, if no answer to it has begun and the
   * answers to the requests before it have ended, and closes the connection; Vert.x never sees the
   * failed chunk or anything after it. Used on the connection's event loop only.
   */
  private static final class Chunks extends ChannelDuplexHandler {

    /** Request heads passed on, and answers ended. */
    private long heads;

    private long answered;

    /** Whether an answer (not an interim 1xx) to the latest request has begun. */
    private boolean answering;

    private boolean refused;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refused) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (msg instanceof HttpRequest) {
        heads++;
      }
      // A head that cannot be read (a request line too long or not a request line) comes as one
      // message that is both a request and its content; it is Vert.x's to answer (414, 400) and
      // the listener's to log, not a malformed chunk.
      if (msg instanceof HttpContent content
          && !(msg instanceof HttpRequest)
          && content.decoderResult().isFailure()) {
        refused = true;
        ReferenceCountUtil.release(msg);
        ChannelHandlerContext decoder = ctx.pipeline().context(HttpRequestDecoder.class);
        if (!answering && answered == heads - 1 && decoder != null) {
          // Written from the decoder's place, so it bypasses the response encoder (which holds
          // Vert.x's state) but still goes through TLS.
          decoder
              .writeAndFlush(Unpooled.wrappedBuffer(BAD_CHUNK_RESPONSE))
              .addListener(ChannelFutureListener.CLOSE);
        } else {
          ctx.close();
        }
        return;
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpResponse response && response.status().code() >= 200) {
        answering = true;
      }
      if (msg instanceof LastHttpContent && answering) {
        answering = false;
        answered++;
      }
      ctx.write(msg, promise);
    }
  }
}
