package dev.vigil.identity.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.identity.CaConfig;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.identity.Identities;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SpiffeId;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import dev.vigil.testkit.TestSchemas;
import io.spiffe.workloadapi.DefaultX509Source;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two identity nodes sharing the real PostgreSQL at 127.0.0.1:5432 (a fresh schema per run): a
 * revocation or an entry deletion on node 1 reaches node 2's Workload API streams and verifiers by
 * LISTEN/NOTIFY. Node 2's agent refreshes on its own only once an hour, so only the push can make
 * these tests pass.
 */
class PushBetweenNodesTest {

  private static final String HEX =
      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final SpiffeId web = SpiffeId.parse("spiffe://prod.example/web");
  @RegisterExtension final TestSchemas schemas = new TestSchemas("vigil_push_");
  private Store store1;
  private Store store2;
  private Identities node1;
  private Identities node2;
  private WorkloadAgent agent2;
  private RegistrationEntry entry;

  private Identities node(Store st) {
    return new Identities(
        st,
        CaKeyCipher.configured(Map.of("VIGIL_CA_KEY", HEX), null),
        InstantSource.system(),
        CaConfig.defaults());
  }

  @BeforeEach
  void start() throws Exception {
    StoreLocation pg = schemas.createLocation();
    store1 = Store.open(pg);
    store2 = Store.open(pg);
    node1 = node(store1);
    node2 = node(store2);
    int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    entry = node1.createEntry(web, List.of(Selector.parse("unix:uid:" + uid)), null, List.of());
    agent2 =
        WorkloadAgent.start(
            dir.resolve("agent2.sock"),
            node2,
            Attestor.unix(),
            InstantSource.system(),
            Duration.ofHours(1));
  }

  @AfterEach
  void stop() throws Exception {
    agent2.close();
    store1.close();
    store2.close();
  }

  private DefaultX509Source source() throws Exception {
    return DefaultX509Source.newSource(
        DefaultX509Source.X509SourceOptions.builder()
            .spiffeSocketPath("unix:" + agent2.socket())
            .initTimeout(Duration.ofSeconds(20))
            .build());
  }

  /** Polls {@code condition} until it holds or {@link #BOUND} passes; returns the last answer. */
  private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  private boolean node2Refuses(List<X509Certificate> chain) {
    try {
      node2.x509Validator().validate(chain);
      return false;
    } catch (SvidRejectedException e) {
      return e.reason() == SvidRejectedException.Reason.REVOKED;
    }
  }

  @Test
  void revokeOnNode1_node2StreamGetsNewSvidAndNode2VerifierRefusesSerial() throws Exception {
    try (DefaultX509Source source = source()) {
      X509Certificate first = source.getX509Svid().getLeaf();
      List<X509Certificate> chain = source.getX509Svid().getChain();
      assertThat(node2.x509Validator().validate(chain)).isEqualTo(web);

      node1.revoke(first);

      assertThat(eventually(() -> node2Refuses(chain))).as("node 2 refuses the serial").isTrue();
      BigInteger firstSerial = first.getSerialNumber();
      assertThat(
              eventually(
                  () -> !source.getX509Svid().getLeaf().getSerialNumber().equals(firstSerial)))
          .as("node 2's open stream carries a new SVID")
          .isTrue();
      assertThat(node2.x509Validator().validate(source.getX509Svid().getChain())).isEqualTo(web);
    }
  }

  @Test
  void deleteEntryOnNode1_endsNode2Stream() throws Exception {
    try (DefaultX509Source source = source()) {
      assertThat(source.getX509Svid().getSpiffeId().toString()).isEqualTo(web.toString());
      assertThat(eventually(() -> agent2.openStreams() >= 1)).isTrue();

      assertThat(node1.deleteEntry(entry.id())).isTrue();

      assertThat(eventually(() -> agent2.openStreams() == 0))
          .as("node 2 ends the stream of the deleted entry")
          .isTrue();
    }
  }

  @Test
  void notificationOfAnotherSchema_isIgnored() throws Exception {
    X509Certificate leaf = node2.issueX509(web, List.of(), null).leaf();
    // Loads node 2's revoked serials now, so that later ones can only arrive by push.
    assertThat(node2.x509Validator().validate(List.of(leaf))).isEqualTo(web);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test");
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_notify('vigil_identity', 'some_other_schema revoked prod.example "
              + leaf.getSerialNumber().toString(16)
              + "')");
    }
    // A marker revocation in our own schema, sent after the foreign one, shows the feed has
    // processed both by the time it is seen.
    X509Certificate marker = node2.issueX509(web, List.of(), null).leaf();
    node1.revoke(marker);
    assertThat(eventually(() -> node2Refuses(List.of(marker)))).isTrue();

    assertThat(node2.x509Validator().validate(List.of(leaf))).isEqualTo(web);
    assertThatThrownBy(() -> node2.x509Validator().validate(List.of(marker)))
        .isInstanceOf(SvidRejectedException.class);
  }
}
