package dev.vigil.pdp.extauthz.grpc;

import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server of Envoy's ext_authz on its own address (off unless {@code vigil pdp --grpc-addr}
 * asks for it). Plaintext: bind it to loopback or a private interface.
 */
public final class GrpcAuthzServer implements AutoCloseable {

  private final Server server;

  private GrpcAuthzServer(Server server) {
    this.server = server;
  }

  /**
   * Starts the server on {@code host:port} (port 0 picks a free one).
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static GrpcAuthzServer start(String host, int port, ExternalAuthorizer authorizer) {
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .addService(new EnvoyAuthorizationService(authorizer))
            .maxInboundMessageSize(4 << 20)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + " (gRPC): " + e.getMessage(), e);
    }
    return new GrpcAuthzServer(server);
  }

  /** Returns the port actually bound. */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
