package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.ssl.NotSslRecordException;
import io.vertx.core.VertxException;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the shipped logback configuration keeps of the lines Vert.x, Netty and grpc-netty write for
 * connections: a peer's faults are dropped, everything else of the same loggers is kept.
 */
class PeerFaultFilterTest {

  private final ListAppender<ILoggingEvent> written = new ListAppender<>();
  private LoggerContext shipped;

  @BeforeEach
  void configure() throws Exception {
    shipped = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(shipped);
    configurator.doConfigure(getClass().getResource("/logback.xml"));
    written.setContext(shipped);
    written.start();
    shipped.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(written);
  }

  private List<String> lines() {
    return written.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void connectionBase_peerFaultsDropped_othersKeptWithTheirException() {
    Logger vertx = shipped.getLogger(PeerFaultFilter.CONNECTION_BASE);
    // As Vert.x logs: the message, and the exception only while debug is enabled.
    assertThat(vertx.isDebugEnabled()).isTrue();

    vertx.error(
        "First received frame was not SETTINGS",
        Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "First received frame"));
    vertx.error(
        "wrapped",
        new DecoderException(
            Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "reset")));
    vertx.error(
        "not TLS", new DecoderException(new NotSslRecordException("not an SSL/TLS record")));
    vertx.error("handshake", new SSLHandshakeException("no cipher suites in common"));
    vertx.error(
        "late bytes",
        new VertxException(PeerFaultFilter.ANSWER_WITHOUT_REQUEST + ": HTTP/1.1 200 OK"));
    vertx.error(
        "own http/2 fault",
        Http2Exception.connectionError(Http2Error.INTERNAL_ERROR, "own http/2 fault"));
    vertx.error("own fault", new IllegalStateException("own fault"));
    vertx.error("no exception given");

    assertThat(lines()).containsExactly("own http/2 fault", "own fault", "no exception given");
    assertThat(written.list.get(1).getThrowableProxy().getClassName())
        .isEqualTo(IllegalStateException.class.getName());
  }

  @Test
  void nettyHandlerContext_completeAlreadyOnAPeerFaultDropped_otherWarningsKept() {
    Logger netty = shipped.getLogger(PeerFaultFilter.HANDLER_CONTEXT);
    Throwable closing =
        new DecoderException(
            new IllegalStateException(
                "complete already",
                Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "First received frame")));

    netty.warn(
        "An exception '{}' was thrown by a user handler's exceptionCaught() method while handling"
            + " the following exception:",
        "java.lang.IllegalStateException: complete already",
        closing);
    netty.warn(
        "An exception '{}' was thrown by a user handler's exceptionCaught() method while handling"
            + " the following exception:",
        "java.lang.NullPointerException",
        new DecoderException(new NullPointerException("a handler of Vigil's")));
    netty.warn("Failed to mark a promise as success because it is done already");

    assertThat(lines())
        .containsExactly(
            "An exception 'java.lang.NullPointerException' was thrown by a user handler's"
                + " exceptionCaught() method while handling the following exception:",
            "Failed to mark a promise as success because it is done already");
  }

  @Test
  void grpcBootstrap_keepAliveOnAUnixSocketDropped_otherWarningsKept() {
    Logger grpc = shipped.getLogger(PeerFaultFilter.GRPC_BOOTSTRAP);

    grpc.warn(
        "Unknown channel option 'SO_KEEPALIVE' for channel '[id: 0x1f, L:/run/agent.sock]' of type"
            + " 'EpollDomainSocketChannel'");
    grpc.warn(
        "Unknown channel option '{}' for channel '{}' of type '{}'",
        "SO_KEEPALIVE",
        "[id: 0x20]",
        "EpollDomainSocketChannel");
    grpc.warn("Unknown channel option 'SO_RCVBUF' for channel '[id: 0x21]'");
    grpc.warn(
        "Failed to register an accepted channel: {}", "[id: 0x22]", new IllegalStateException());

    assertThat(lines())
        .containsExactly(
            "Unknown channel option 'SO_RCVBUF' for channel '[id: 0x21]'",
            "Failed to register an accepted channel: [id: 0x22]");
  }

  @Test
  void otherLoggers_untouched() {
    Logger gateway = shipped.getLogger("dev.vigil.gateway.edge.EdgeGateway");

    gateway.error(
        "upstream failed",
        Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "from an upstream"));

    assertThat(lines()).containsExactly("upstream failed");
  }
}
