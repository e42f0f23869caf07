package dev.vigil.identity.agent;

import io.spiffe.provider.SpiffeSslContextFactory;
import io.spiffe.spiffeid.SpiffeId;
import io.spiffe.workloadapi.DefaultX509Source;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A second JVM for the mutual TLS test: gets its X.509-SVID from {@code vigil agent} with
 * java-spiffe, serves TLS on loopback accepting only one SPIFFE ID, and answers one line with the
 * peer's SPIFFE ID. Arguments: socket address, accepted SPIFFE ID, file to write the port to.
 */
public final class MtlsPeer {

  private MtlsPeer() {}

  public static void main(String[] args) throws Exception {
    try (DefaultX509Source source =
        DefaultX509Source.newSource(
            DefaultX509Source.X509SourceOptions.builder()
                .spiffeSocketPath(args[0])
                .initTimeout(Duration.ofSeconds(30))
                .build())) {
      SSLContext ctx =
          SpiffeSslContextFactory.getSslContext(
              SpiffeSslContextFactory.SslContextOptions.builder()
                  .x509Source(source)
                  .acceptedSpiffeIdsSupplier(() -> Set.of(SpiffeId.parse(args[1])))
                  .build());
      try (SSLServerSocket server =
          (SSLServerSocket)
              ctx.getServerSocketFactory()
                  .createServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
        server.setNeedClientAuth(true);
        Files.writeString(Path.of(args[2] + ".tmp"), Integer.toString(server.getLocalPort()));
        Files.move(Path.of(args[2] + ".tmp"), Path.of(args[2]));
        for (int i = 0; i < 2; i++) {
          try (SSLSocket s = (SSLSocket) server.accept()) {
            BufferedReader in =
                new BufferedReader(
                    new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
            out.println("hello " + line + " from " + source.getX509Svid().getSpiffeId());
          } catch (Exception e) {
            System.err.println("peer: connection refused: " + e);
          }
        }
      }
    }
  }
}
