package dev.vigil.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.pdp.PdpMetrics;
import dev.vigil.store.Store;
import dev.vigil.store.StoreLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA key of a data directory: created as hex text, read as written, refused when damaged. */
class NodeIdentityTest {

  @TempDir Path tmp;

  private void startAndStop(Path dataDir) throws Exception {
    Files.writeString(tmp.resolve("vigil.yaml"), "identity:\n  trust_domains: [prod]\n");
    VigilConfig cfg = VigilConfig.read(tmp.resolve("vigil.yaml"), dataDir);
    try (Store store = Store.open(StoreLocation.embedded(dataDir));
        NodeIdentity id =
            NodeIdentity.start(
                cfg, store, InstantSource.system(), new PdpMetrics(null).registry())) {
      assertThat(id.svids().held()).hasSize(1);
    }
  }

  @Test
  void caKey_firstStart_isHexTextThatTheNextStartReads() throws Exception {
    Path data = tmp.resolve("data");
    startAndStop(data);
    String key = Files.readString(data.resolve("ca.key"));

    startAndStop(data);

    assertThat(key).matches("[0-9a-f]{64}\n");
    assertThat(Files.readString(data.resolve("ca.key"))).isEqualTo(key);
  }

  @Test
  void caKey_rawBytesOfEarlierBuilds_stillOpenTheirCas() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    byte[] raw = new byte[32];
    raw[3] = (byte) 0x80;
    Files.write(data.resolve("ca.key"), raw);

    startAndStop(data);
    startAndStop(data);

    assertThat(Files.readAllBytes(data.resolve("ca.key"))).isEqualTo(raw);
  }

  @Test
  void caKey_damaged_isRefusedAndLeftAsItWas() throws Exception {
    Path data = Files.createDirectories(tmp.resolve("data"));
    Files.writeString(data.resolve("ca.key"), "not a key");

    assertThatThrownBy(() -> startAndStop(data))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ca.key is damaged");
    assertThat(Files.readString(data.resolve("ca.key"))).isEqualTo("not a key");
  }
}
