package dev.vigil.pdp.extauthz.grpc;

import dev.vigil.pdp.BindFailure;
import dev.vigil.pdp.ServerTls;
import dev.vigil.pdp.extauthz.ExternalAuthorizer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The gRPC server of Envoy's ext_authz on its own address (off unless {@code vigil pdp --grpc-addr}
 * asks for it). Plaintext unless TLS material is given: then bind it to loopback or a private
 * interface, or give it a certificate and client CAs so that only Envoy can call it.
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
    return start(host, port, authorizer, null);
  }

  /**
   * Starts the server over TLS when {@code tls} is not null, with client certificates required when
   * it names client CAs.
   *
   * @throws IllegalStateException naming the address when it cannot be bound
   */
  public static GrpcAuthzServer start(
      String host, int port, ExternalAuthorizer authorizer, ServerTls tls) {
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
            .addService(new EnvoyAuthorizationService(authorizer))
            .maxInboundMessageSize(4 << 20);
    if (tls != null) {
      b.sslContext(sslContext(tls));
    }
    Server server = b.build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + " (gRPC): " + BindFailure.reason(e), e);
    }
    return new GrpcAuthzServer(server);
  }

  private static SslContext sslContext(ServerTls tls) {
    try {
      SslContextBuilder b =
          GrpcSslContexts.configure(SslContextBuilder.forServer(tls.keyManagers()));
      if (tls.mutual()) {
        b.trustManager(tls.trustManagers()).clientAuth(ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("cannot set up TLS for gRPC: " + e.getMessage(), e);
    }
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
