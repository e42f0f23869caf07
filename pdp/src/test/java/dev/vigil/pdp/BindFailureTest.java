package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.pdp.extauthz.grpc.GrpcAuthzServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** A listener that cannot bind says why in plain words, whichever stack reports it. */
class BindFailureTest {

  @Test
  void grpcServer_portInUse_saysAddressAlreadyInUse() throws Exception {
    // gRPC wraps the bind's failure: the message was "Failed to bind to address /127.0.0.1:N",
    // which does not say that another process holds the port.
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> GrpcAuthzServer.start("127.0.0.1", port, null, null))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("cannot listen on 127.0.0.1:" + port + " (gRPC): address already in use");
    }
  }
}
