package dev.vigil.identity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import io.spiffe.provider.SpiffeSslContextFactory;
import io.spiffe.workloadapi.DefaultX509Source;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two JVM processes talk mutual TLS with SVIDs from vigil agent, through java-spiffe. */
class MutualTlsTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

  @TempDir Path dir;

  @Test
  void twoProcesses_mutualTlsWithAgentSvids_talkAndCheckPeerIds() throws Exception {
    try (Store store = Store.open(StoreLocation.embedded(dir.resolve("data")))) {
      Identities ids =
          new Identities(
              store,
              CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
              InstantSource.system(),
              CaConfig.defaults());
      int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");
      ids.createEntry(web, List.of(Selector.parse("unix:uid:" + uid)), null, List.of());
      try (WorkloadAgent agent =
          WorkloadAgent.start(
              dir.resolve("agent.sock"),
              ids,
              Attestor.unix(),
              InstantSource.system(),
              Duration.ofMillis(200))) {
        String address = "unix:" + agent.socket();
        Path portFile = dir.resolve("port");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process peer =
            new ProcessBuilder(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    MtlsPeer.class.getName(),
                    address,
                    web.toString(),
                    portFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("peer.log").toFile())
                .start();
        try {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          while (!Files.exists(portFile) && System.nanoTime() < deadline && peer.isAlive()) {
            Thread.sleep(50);
          }
          assertThat(portFile).as(Files.readString(dir.resolve("peer.log"))).exists();
          int port = Integer.parseInt(Files.readString(portFile).strip());
          try (DefaultX509Source source =
              DefaultX509Source.newSource(
                  DefaultX509Source.X509SourceOptions.builder()
                      .spiffeSocketPath(address)
                      .initTimeout(Duration.ofSeconds(20))
                      .build())) {
            SSLContext ctx =
                SpiffeSslContextFactory.getSslContext(
                    SpiffeSslContextFactory.SslContextOptions.builder()
                        .x509Source(source)
                        .acceptedSpiffeIdsSupplier(
                            () -> Set.of(io.spiffe.spiffeid.SpiffeId.parse(web.toString())))
                        .build());
            assertThat(talk(ctx, port)).isEqualTo("hello ping from " + web);

            SSLContext picky =
                SpiffeSslContextFactory.getSslContext(
                    SpiffeSslContextFactory.SslContextOptions.builder()
                        .x509Source(source)
                        .acceptedSpiffeIdsSupplier(
                            () ->
                                Set.of(
                                    io.spiffe.spiffeid.SpiffeId.parse("spiffe://prod.example/db")))
                        .build());
            assertThatThrownBy(() -> talk(picky, port)).isInstanceOf(Exception.class);
          }
          assertThat(peer.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
          peer.destroyForcibly();
        }
      }
    }
  }

  private static String talk(SSLContext ctx, int port) throws Exception {
    try (SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(20_000);
      s.startHandshake();
      new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8).println("ping");
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }
}
