package dev.vigil.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.access.DeviceCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The TLS listener's certificate: self-signed in the data directory, or read from files. */
class ServerCertificateTest {

  @TempDir Path dir;
  final Instant now = Instant.parse("2026-12-04T10:00:00Z");

  private static X509Certificate leaf(ServerCertificate c) {
    return DeviceCertificates.certificates(c.certificatePem()).get(0);
  }

  @Test
  void selfSigned_firstStart_namesLoopbackAndKeepsKeyPrivate() throws Exception {
    ServerCertificate c = ServerCertificate.selfSigned(dir, now);

    List<Object> names =
        leaf(c).getSubjectAlternativeNames().stream().map(san -> (Object) san.get(1)).toList();
    assertThat(names).contains("localhost", "127.0.0.1");
    assertThat(Files.getPosixFilePermissions(dir.resolve(ServerCertificate.KEY_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void selfSigned_secondStart_reusesTheSameCertificate() throws Exception {
    ServerCertificate first = ServerCertificate.selfSigned(dir, now);

    ServerCertificate again = ServerCertificate.selfSigned(dir, now.plus(Duration.ofDays(30)));

    assertThat(leaf(again)).isEqualTo(leaf(first));
  }

  @Test
  void selfSigned_expired_replaced() throws Exception {
    ServerCertificate first = ServerCertificate.selfSigned(dir, now);

    ServerCertificate later = ServerCertificate.selfSigned(dir, now.plus(Duration.ofDays(400)));

    assertThat(leaf(later)).isNotEqualTo(leaf(first));
    assertThat(later.certificatePem())
        .isEqualTo(Files.readString(dir.resolve(ServerCertificate.CERT_FILE)));
  }

  @Test
  void read_missingOrBadFiles_namesTheFile() throws Exception {
    Path cert = dir.resolve("gw.crt");
    Path key = dir.resolve("gw.key");
    assertThatThrownBy(() -> ServerCertificate.read(cert, key))
        .hasMessageContaining("TLS certificate file " + cert + " does not exist");

    Files.writeString(cert, "not a certificate");
    Files.writeString(key, "not a key");
    assertThatThrownBy(() -> ServerCertificate.read(cert, key))
        .hasMessageContaining("TLS certificate " + cert);

    ServerCertificate made = ServerCertificate.selfSigned(dir, now);
    Files.writeString(cert, made.certificatePem());
    assertThatThrownBy(() -> ServerCertificate.read(cert, key))
        .hasMessageContaining("TLS key " + key);
  }

  @Test
  void read_validPair_keyHeldAsPkcs8() throws Exception {
    ServerCertificate made = ServerCertificate.selfSigned(dir, now);

    ServerCertificate read =
        ServerCertificate.read(
            dir.resolve(ServerCertificate.CERT_FILE), dir.resolve(ServerCertificate.KEY_FILE));

    assertThat(read.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(List.of(leaf(read))).containsExactly(leaf(made));
  }
}
