package dev.vigil.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway's TLS keys in the configuration file. */
class TlsSettingsTest {

  @TempDir Path tmp;

  private VigilConfig read(String yaml) throws Exception {
    Path f = tmp.resolve("vigil.yaml");
    Files.writeString(f, yaml);
    return VigilConfig.read(f, tmp.resolve("data"));
  }

  @Test
  void read_noTlsKeys_defaultsTo8443SelfSignedAndOneHour() throws Exception {
    TlsSettings t = read("gateway:\n  addr: 127.0.0.1:0\n").tls();

    assertThat(t).isEqualTo(TlsSettings.defaults());
    assertThat(t.addr()).isEqualTo("127.0.0.1:8443");
    assertThat(t.certFile()).isNull();
    assertThat(t.deviceReportMaxAge()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void read_allKeys_pathsRelativeToTheFile() throws Exception {
    TlsSettings t =
        read("gateway:\n  tls_addr: '[::1]:9443'\n  tls_cert: certs/gw.crt\n"
                + "  tls_key: certs/gw.key\n  device_report_max_age: 15m\n")
            .tls();

    assertThat(t.addr()).isEqualTo("[::1]:9443");
    assertThat(t.certFile()).isEqualTo(tmp.resolve("certs/gw.crt"));
    assertThat(t.keyFile()).isEqualTo(tmp.resolve("certs/gw.key"));
    assertThat(t.deviceReportMaxAge()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void read_tlsAddrOff_noListener() throws Exception {
    assertThat(read("gateway:\n  tls_addr: \"off\"\n").tls().addr()).isNull();
  }

  @Test
  void read_certWithoutKey_refusedNamingTheLine() {
    assertThatThrownBy(() -> read("gateway:\n  tls_cert: gw.crt\n"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("vigil.yaml:2")
        .hasMessageContaining("tls_cert and tls_key go together");
  }

  @Test
  void read_badAddressOrAge_refused() {
    assertThatThrownBy(() -> read("gateway:\n  tls_addr: localhost\n"))
        .hasMessageContaining("is not HOST:PORT");
    assertThatThrownBy(() -> read("gateway:\n  device_report_max_age: soon\n"))
        .hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> read("gateway:\n  device_report_max_age: 0s\n"))
        .hasMessageContaining("longer than 0s");
  }
}
