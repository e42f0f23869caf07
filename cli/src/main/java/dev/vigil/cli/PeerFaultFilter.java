package dev.vigil.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import javax.net.ssl.SSLException;
import org.slf4j.Marker;

/**
 * Drops the service-log lines that Vert.x and Netty write for a peer's fault on a connection, and
 * nothing else: a remote peer must not be able to grow the log at will, and a fault of Vigil's own
 * must still be seen.
 *
 * <p>What is dropped, by logger:
 *
 * <ul>
 *   <li>{@code io.vertx.core.net.impl.ConnectionBase}, the error Vert.x logs for a connection that
 *       has no exception handler of its own, when the exception (or one of its causes) is an HTTP/2
 *       codec error the peer caused (any code but {@code INTERNAL_ERROR} and {@code NO_ERROR}: a
 *       bad preface, a malformed frame, a flood), TLS that is not TLS or does not decrypt ({@link
 *       SSLException}), or an answer an upstream app sent with no request in progress. Vert.x hands
 *       the exception over only while the logger is enabled for debug, which the shipped
 *       configuration sets for that logger alone; without an exception nothing is dropped.
 *   <li>{@code io.netty.channel.AbstractChannelHandlerContext}, Netty's warning that a handler
 *       threw while handling an exception (Vert.x's HTTP/2 handler's "complete already" as it
 *       closes a bad connection), when the exception handled is such an HTTP/2 codec error.
 *   <li>grpc-netty's {@code ServerBootstrap}, its warning that a Workload API connection (a Unix
 *       socket) has no {@code SO_KEEPALIVE} option: once a connection, nothing to act on.
 * </ul>
 *
 * <p>Vigil logs each refusal of a peer itself, once, in the decision log and, rate-limited, in this
 * log (see docs/gateway.md). Any other line of these loggers, and every line of other loggers, is
 * left to the configuration.
 *
 * <p>Thread-safe: holds no state.
 */
public final class PeerFaultFilter extends TurboFilter {

  static final String CONNECTION_BASE = "io.vertx.core.net.impl.ConnectionBase";
  static final String HANDLER_CONTEXT = "io.netty.channel.AbstractChannelHandlerContext";
  static final String GRPC_BOOTSTRAP = "io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap";

  /** The start of the message of Vert.x's exception for an answer no request asked for. */
  static final String ANSWER_WITHOUT_REQUEST =
      "Received an HTTP message with no request in progress";

  /** How deep the causes of an exception are searched. */
  private static final int CAUSE_DEPTH = 8;

  @Override
  public FilterReply decide(
      Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    // A check such as isDebugEnabled() carries no message: it must not be refused.
    if (format == null || level == null || level.toInt() < Level.WARN_INT) {
      return FilterReply.NEUTRAL;
    }
    String name = logger.getName();
    boolean peerFault =
        switch (name) {
          case CONNECTION_BASE -> peerConnectionFault(thrown(params, t));
          case HANDLER_CONTEXT -> peerHttp2Error(thrown(params, t));
          case GRPC_BOOTSTRAP -> keepAliveOnUnixSocket(format, params);
          default -> false;
        };
    return peerFault ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  /** Returns the exception of a logging call: given apart, or as the last argument. */
  private static Throwable thrown(Object[] params, Throwable t) {
    if (t != null) {
      return t;
    }
    if (params != null && params.length > 0 && params[params.length - 1] instanceof Throwable e) {
      return e;
    }
    return null;
  }

  static boolean peerConnectionFault(Throwable t) {
    Throwable e = t;
    for (int depth = 0; e != null && depth < CAUSE_DEPTH; depth++, e = e.getCause()) {
      if (peerHttp2Code(e) || e instanceof SSLException) {
        return true;
      }
      if (e.getMessage() != null && e.getMessage().startsWith(ANSWER_WITHOUT_REQUEST)) {
        return true;
      }
    }
    return false;
  }

  static boolean peerHttp2Error(Throwable t) {
    Throwable e = t;
    for (int depth = 0; e != null && depth < CAUSE_DEPTH; depth++, e = e.getCause()) {
      if (peerHttp2Code(e)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Tells whether {@code e} is an HTTP/2 error the peer caused: the codec's errors carry the code
   * it sends in its {@code GOAWAY} or {@code RST_STREAM} (RFC 9113 §7); {@code INTERNAL_ERROR} is
   * this end's own fault and {@code NO_ERROR} no fault.
   */
  private static boolean peerHttp2Code(Throwable e) {
    return e instanceof Http2Exception h
        && h.error() != null
        && h.error() != Http2Error.INTERNAL_ERROR
        && h.error() != Http2Error.NO_ERROR;
  }

  /**
   * Tells whether the message is Netty's warning that {@code SO_KEEPALIVE} is unknown to a channel,
   * formatted already ({@code Unknown channel option 'SO_KEEPALIVE' for channel …}) or with its
   * arguments apart.
   */
  static boolean keepAliveOnUnixSocket(String format, Object[] params) {
    if (!format.startsWith("Unknown channel option '")) {
      return false;
    }
    return format.startsWith("Unknown channel option 'SO_KEEPALIVE'")
        || (params != null
            && params.length > 0
            && "SO_KEEPALIVE".equals(String.valueOf(params[0])));
  }
}
