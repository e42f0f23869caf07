package dev.vigil.gateway.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.vigil.access.DeviceCertificates;
import dev.vigil.pdp.ServerTls;
import dev.vigil.testkit.OpensslCerts;
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
    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now))
        .hasMessageContaining("TLS certificate " + cert + ": no such file");

    Files.writeString(cert, "not a certificate");
    Files.writeString(key, "not a key");
    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now))
        .hasMessageContaining("TLS certificate " + cert);

    ServerCertificate made = ServerCertificate.selfSigned(dir, now);
    Files.writeString(cert, made.certificatePem());
    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now))
        .hasMessageContaining("TLS key " + key);
  }

  @Test
  void read_validPair_keyHeldAsPkcs8() throws Exception {
    ServerCertificate made = ServerCertificate.selfSigned(dir, now);

    ServerCertificate read =
        ServerCertificate.read(
            dir.resolve(ServerCertificate.CERT_FILE), dir.resolve(ServerCertificate.KEY_FILE), now);

    assertThat(read.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(List.of(leaf(read))).containsExactly(leaf(made));
  }

  /**
   * The gateway's key file is read as the control plane's is, by {@link ServerTls#privateKey}: the
   * same keys taken, the same refused in the same words. Regression: two readers, and the control
   * plane's took PKCS#8 alone.
   */
  @Test
  void read_keysMadeByOpenssl_readAsTheControlPlaneReadsThem() throws Exception {
    OpensslCerts openssl =
        new OpensslCerts(dir).ca("ca").leaf("gw", "ca", "subjectAltName=IP:127.0.0.1");
    openssl.openssl("ec", "-in", "gw.key", "-out", "sec1.key");
    openssl.openssl(
        "pkey", "-in", "gw.key", "-aes256", "-passout", "pass:pw", "-out", "encrypted.key");
    Path cert = dir.resolve("gw.pem");
    Path encrypted = dir.resolve("encrypted.key");
    Instant issued = Instant.now();

    ServerCertificate sec1 = ServerCertificate.read(cert, dir.resolve("sec1.key"), issued);
    String refused = catchThrowable(() -> ServerTls.read(cert, encrypted, null)).getMessage();

    assertThat(sec1.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(refused).startsWith("--tls-key " + encrypted + ": the private key is encrypted");
    assertThatThrownBy(() -> ServerCertificate.read(cert, encrypted, issued))
        .hasMessage("TLS " + refused.substring("--tls-".length()));
  }

  @Test
  void read_keyOfAnotherCertificate_refusedNamingBothFiles() throws Exception {
    // A key that does not belong to the certificate passed the start and failed every handshake.
    Path other = Files.createDirectory(dir.resolve("other"));
    ServerCertificate.selfSigned(dir, now);
    ServerCertificate.selfSigned(other, now);
    Path cert = dir.resolve(ServerCertificate.CERT_FILE);
    Path foreignKey = other.resolve(ServerCertificate.KEY_FILE);

    assertThatThrownBy(() -> ServerCertificate.read(cert, foreignKey, now))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "TLS key "
                + foreignKey
                + ": the key does not belong to the first certificate of "
                + cert);
  }

  @Test
  void read_certificateExpiredOrNotYetValid_refusedNamingTheFile() throws Exception {
    ServerCertificate.selfSigned(dir, now);
    Path cert = dir.resolve(ServerCertificate.CERT_FILE);
    Path key = dir.resolve(ServerCertificate.KEY_FILE);

    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now.plus(Duration.ofDays(366))))
        .isInstanceOf(ServerCertificate.FileRefused.class)
        .hasMessageStartingWith("TLS certificate " + cert + ": the certificate expired on ");
    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now.minus(Duration.ofDays(1))))
        .hasMessageStartingWith("TLS certificate " + cert + ": the certificate is not valid until");
  }

  @Test
  void read_keyTypeTheListenerDoesNotServe_refusedNamingTheKeyFile() throws Exception {
    ServerCertificate.selfSigned(dir, now);
    Path cert = dir.resolve(ServerCertificate.CERT_FILE);
    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(1024);
    Path key =
        Files.writeString(
            dir.resolve("short.key"),
            "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder()
                    .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> ServerCertificate.read(cert, key, now))
        .isInstanceOf(ServerCertificate.FileRefused.class)
        .hasMessage("TLS key " + key + ": the key is RSA of 1024 bits; at least 2048 are needed");
  }

  @Test
  void read_unreadableFile_saysWhyWithoutAClassName() throws Exception {
    Path cert = Files.createDirectory(dir.resolve("gw.crt"));

    assertThatThrownBy(() -> ServerCertificate.read(cert, dir.resolve("gw.key"), now))
        .hasMessageStartingWith("TLS certificate " + cert + ": cannot read it: ")
        .hasMessageNotContaining("Exception");
  }

  @Test
  void selfSigned_keyLeftFromAnInterruptedStart_pairMadeAgain() throws Exception {
    // A start that stopped between writing the key and the certificate left a pair that no
    // handshake could use; the next start makes a new pair instead of serving it.
    ServerCertificate.selfSigned(dir, now);
    Path other = Files.createDirectory(dir.resolve("other"));
    ServerCertificate.selfSigned(other, now);
    Files.copy(
        other.resolve(ServerCertificate.KEY_FILE),
        dir.resolve(ServerCertificate.KEY_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    ServerCertificate again = ServerCertificate.selfSigned(dir, now);

    assertThat(
            dev.vigil.pdp.ServerTls.keyMatches(
                DeviceCertificates.privateKey(again.privateKeyPem()), leaf(again)))
        .isTrue();
    assertThat(Files.readString(dir.resolve(ServerCertificate.CERT_FILE)))
        .isEqualTo(again.certificatePem());
    assertThat(Files.getPosixFilePermissions(dir.resolve(ServerCertificate.KEY_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(dir.resolve(ServerCertificate.KEY_FILE + ".tmp")).doesNotExist();
  }
}
