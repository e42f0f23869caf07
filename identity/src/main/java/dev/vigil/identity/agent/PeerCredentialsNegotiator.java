package dev.vigil.identity.agent;

import io.grpc.Attributes;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiators;
import io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiationEvent;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.PeerCredentials;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plaintext gRPC over a Unix socket that records who is calling. When a connection starts, it reads
 * the peer's pid, uid and gid from the socket (SO_PEERCRED, through Netty's epoll channel) and adds
 * them to the transport attributes under {@link #CALLER}, where every call on that connection finds
 * them. A connection whose credentials cannot be read carries no caller, and its calls are refused.
 */
final class PeerCredentialsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {

  static final Attributes.Key<Caller> CALLER = Attributes.Key.create("vigil.workload-caller");

  private static final Logger log = LoggerFactory.getLogger(PeerCredentialsNegotiator.class);

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();

  @Override
  public AsciiString scheme() {
    return plaintext.scheme();
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    ChannelHandler next = plaintext.newHandler(grpcHandler);
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (!(evt instanceof ProtocolNegotiationEvent pne)) {
          super.userEventTriggered(ctx, evt);
          return;
        }
        Attributes.Builder attrs = InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder();
        if (ctx.channel() instanceof EpollDomainSocketChannel ch) {
          try {
            PeerCredentials pc = ch.peerCredentials();
            int gid = pc.gids().length > 0 ? pc.gids()[0] : -1;
            attrs.set(CALLER, new Caller(pc.pid(), pc.uid(), gid));
          } catch (IOException e) {
            log.warn("cannot read peer credentials of a Workload API connection: {}", e.toString());
          }
        }
        ctx.pipeline().replace(this, null, next);
        ctx.pipeline()
            .fireUserEventTriggered(
                InternalProtocolNegotiationEvent.withAttributes(pne, attrs.build()));
      }
    };
  }

  @Override
  public void close() {
    plaintext.close();
  }
}
