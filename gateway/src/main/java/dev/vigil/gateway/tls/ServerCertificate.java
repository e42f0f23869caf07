package dev.vigil.gateway.tls;

import dev.vigil.access.DeviceCertificates;
import dev.vigil.pdp.FileProblems;
import dev.vigil.pdp.ServerTls;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The certificate and key the gateway's TLS listener presents: read from PEM files, or made
 * self-signed on first start and kept in the data directory ({@value #CERT_FILE}, {@value
 * #KEY_FILE}) for local trials. The key is held as PKCS#8 PEM.
 *
 * @param certificatePem the certificate chain, leaf first
 * @param privateKeyPem the private key, PKCS#8 PEM
 */
public record ServerCertificate(String certificatePem, String privateKeyPem) {

  public static final String CERT_FILE = "gateway-tls.crt";
  public static final String KEY_FILE = "gateway-tls.key";

  private static final Duration SELF_SIGNED_LIFETIME = Duration.ofDays(365);

  /**
   * A certificate or key file the listener cannot serve with, naming the file and what is wrong
   * with it.
   */
  public static final class FileRefused extends IllegalArgumentException {
    private final Path file;
    private final boolean key;
    private final String reason;

    FileRefused(Path file, boolean key, String reason) {
      super("TLS " + (key ? "key " : "certificate ") + file + ": " + reason);
      this.file = file;
      this.key = key;
      this.reason = reason;
    }

    /** The file at fault. */
    public Path file() {
      return file;
    }

    /** True when the key file is at fault, false for the certificate file. */
    public boolean keyFile() {
      return key;
    }

    /** What is wrong with the file, without its name. */
    public String reason() {
      return reason;
    }
  }

  /** The smallest RSA key served: shorter ones are refused by today's clients. */
  private static final int MIN_RSA_BITS = 2048;

  /**
   * Reads a certificate chain and its key from PEM files, as at {@code now}.
   *
   * @throws FileRefused naming the file that is missing, does not parse, holds a certificate that
   *     is expired or not valid yet at {@code now}, or a key of a type the listener does not serve
   *     (EC and RSA of at least 2048 bits are), or a key that does not belong to the certificate
   *     (each would fail every handshake instead of the start)
   */
  public static ServerCertificate read(Path certFile, Path keyFile, Instant now) {
    String cert = readFile(certFile, false);
    String key = readFile(keyFile, true);
    X509Certificate leaf;
    try {
      leaf = DeviceCertificates.certificates(cert).get(0);
    } catch (IllegalArgumentException e) {
      throw new FileRefused(certFile, false, e.getMessage());
    }
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new FileRefused(
          certFile, false, "the certificate expired on " + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new FileRefused(
          certFile, false, "the certificate is not valid until " + leaf.getNotBefore().toInstant());
    }
    PrivateKey k;
    try {
      k = ServerTls.privateKey(key);
    } catch (IllegalArgumentException e) {
      throw new FileRefused(keyFile, true, e.getMessage());
    }
    String type = k.getAlgorithm();
    if (!type.equals("EC") && !type.equals("RSA")) {
      throw new FileRefused(
          keyFile, true, "the key is " + type + "; the TLS listener serves EC or RSA keys");
    }
    if (k instanceof RSAPrivateKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
      throw new FileRefused(
          keyFile,
          true,
          "the key is RSA of "
              + rsa.getModulus().bitLength()
              + " bits; at least "
              + MIN_RSA_BITS
              + " are needed");
    }
    if (!ServerTls.keyMatches(k, leaf)) {
      throw new FileRefused(
          keyFile, true, "the key does not belong to the first certificate of " + certFile);
    }
    return new ServerCertificate(cert, pkcs8(k));
  }

  /**
   * Returns the self-signed certificate of {@code dataDir}, made now when there is none, when it
   * has expired, or when its files do not make a pair (cut short, or a key left from a start that
   * stopped between writing the two files). It names localhost, 127.0.0.1 and ::1. Each file is
   * written beside itself and then moved in place, so that neither is ever seen half-written.
   */
  public static ServerCertificate selfSigned(Path dataDir, Instant now) throws IOException {
    Path cert = dataDir.resolve(CERT_FILE);
    Path key = dataDir.resolve(KEY_FILE);
    if (Files.exists(cert) && Files.exists(key)) {
      ServerCertificate existing = readOwn(cert, key, now);
      if (existing != null) {
        X509Certificate c = DeviceCertificates.certificates(existing.certificatePem()).get(0);
        if (now.isBefore(c.getNotAfter().toInstant().minus(Duration.ofDays(1)))) {
          return existing;
        }
      }
    }
    KeyPair kp = DeviceCertificates.newKeyPair();
    X509Certificate c = build(kp, now);
    ServerCertificate made =
        new ServerCertificate(DeviceCertificates.pem(c), pkcs8(kp.getPrivate()));
    replace(key, made.privateKeyPem(), true);
    replace(cert, made.certificatePem(), false);
    return made;
  }

  /** Reads the pair Vigil made earlier, or returns null when it is not a usable pair any more. */
  private static ServerCertificate readOwn(Path cert, Path key, Instant now) {
    try {
      return read(cert, key, now);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static void replace(Path file, String text, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp);
    if (secret) {
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system: the key keeps the directory's default permissions.
      }
    }
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Certificate build(KeyPair kp, Instant now) {
    X500Name name = new X500Name("O=Vigil,CN=Vigil gateway (self-signed)");
    try {
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              name,
              new BigInteger(127, new SecureRandom()).setBit(126),
              Date.from(now.minusSeconds(60)),
              Date.from(now.plus(SELF_SIGNED_LIFETIME)),
              name,
              kp.getPublic());
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      b.addExtension(
          Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      List<GeneralName> names =
          List.of(
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
              new GeneralName(
                  GeneralName.iPAddress, InetAddress.getByName("::1").getHostAddress()));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(names.toArray(GeneralName[]::new)));
      return new JcaX509CertificateConverter()
          .getCertificate(
              b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the gateway's self-signed certificate", e);
    }
  }

  private static String pkcs8(PrivateKey k) {
    return DeviceCertificates.pem(new PemObject("PRIVATE KEY", k.getEncoded()));
  }

  private static String readFile(Path p, boolean key) {
    try {
      return Files.readString(p);
    } catch (NoSuchFileException e) {
      throw new FileRefused(p, key, "no such file");
    } catch (IOException e) {
      throw new FileRefused(p, key, "cannot read it: " + FileProblems.reason(e));
    }
  }
}
