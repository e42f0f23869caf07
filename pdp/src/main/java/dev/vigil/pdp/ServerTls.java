package dev.vigil.pdp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * TLS material of a server of the decision point (the REST API and the gRPC ext_authz server): a
 * certificate chain, its private key and, for mutual TLS, the certificates of the CAs whose clients
 * are accepted. Read once, checked at load (the key must match the certificate), so that a wrong
 * file stops start-up with a message naming it instead of failing at the first handshake.
 *
 * @param chain the server's certificate first, then its intermediates
 * @param key the private key of {@code chain[0]}
 * @param clientCas the CAs a client certificate must chain to; empty means no client certificate is
 *     asked for
 */
public record ServerTls(
    List<X509Certificate> chain, PrivateKey key, List<X509Certificate> clientCas) {

  private static final Pattern PEM =
      Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

  public ServerTls {
    chain = List.copyOf(chain);
    clientCas = List.copyOf(clientCas);
  }

  /**
   * Reads the material from PEM files.
   *
   * @param certFile the certificate chain, server certificate first
   * @param keyFile the private key, EC, RSA or Ed25519, in a form {@link #privateKey(String)} reads
   * @param clientCaFile CA certificates for client authentication, or null for none
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static ServerTls read(Path certFile, Path keyFile, Path clientCaFile) {
    return read(certFile, keyFile, clientCaFile, "--tls-cert", "--tls-key", "--tls-client-ca");
  }

  /**
   * Reads the files as {@link #read(Path, Path, Path)} does, with errors that start with the names
   * given for them (as a configuration file's {@code file:line: key}) instead of the command-line
   * options.
   *
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static ServerTls read(
      Path certFile,
      Path keyFile,
      Path clientCaFile,
      String certName,
      String keyName,
      String clientCaName) {
    List<X509Certificate> chain = certificates(certFile, certName);
    // A server that starts with a certificate out of its dates fails every handshake instead.
    X509Certificate leaf = chain.get(0);
    java.time.Instant now = java.time.Instant.now();
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new IllegalArgumentException(
          certName
              + " "
              + certFile
              + ": the certificate expired on "
              + leaf.getNotAfter().toInstant());
    }
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new IllegalArgumentException(
          certName
              + " "
              + certFile
              + ": the certificate is not valid before "
              + leaf.getNotBefore().toInstant());
    }
    PrivateKey key = privateKey(keyFile, keyName);
    if (!keyMatches(key, chain.get(0))) {
      throw new IllegalArgumentException(
          keyName
              + " "
              + keyFile
              + ": the key does not belong to the first certificate of "
              + certFile);
    }
    List<X509Certificate> cas =
        clientCaFile == null ? List.of() : certificates(clientCaFile, clientCaName);
    return new ServerTls(chain, key, cas);
  }

  /**
   * Returns a client's TLS context that trusts the certificates of {@code certFile} (a server's own
   * chain) and nothing else: how a tool on the server's machine, reading the server's own
   * configuration, reaches it without trusting anyone else's certificate.
   *
   * @throws IllegalArgumentException naming {@code name} and the file when it holds no certificate
   */
  public static SSLContext trusting(Path certFile, String name) {
    return trusting(certFile, name, null);
  }

  /**
   * Returns a client's TLS context as {@link #trusting(Path, String)} does (the JDK's own CAs when
   * {@code certFile} is null) that presents {@code client}'s certificate when the server asks for
   * one, as a control plane with client CAs does.
   *
   * @param client the certificate and key to present, or null for none
   * @throws IllegalArgumentException naming {@code name} and the file when it holds no certificate
   */
  public static SSLContext trusting(Path certFile, String name, ServerTls client) {
    try {
      SSLContext c = SSLContext.getInstance("TLS");
      c.init(
          client == null ? null : client.keyManagers().getKeyManagers(),
          certFile == null ? null : trustManagers(certificates(certFile, name)).getTrustManagers(),
          null);
      return c;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the TLS context: " + e.getMessage(), e);
    }
  }

  /** Tells whether clients must present a certificate from one of {@link #clientCas}. */
  public boolean mutual() {
    return !clientCas.isEmpty();
  }

  /** Returns a key manager factory over the chain and key. */
  public KeyManagerFactory keyManagers() {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", key, new char[0], chain.toArray(X509Certificate[]::new));
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(ks, new char[0]);
      return f;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the TLS key manager: " + e.getMessage(), e);
    }
  }

  /** Returns a trust manager factory over the client CAs; only meaningful when mutual. */
  public TrustManagerFactory trustManagers() {
    return trustManagers(clientCas);
  }

  /** A trust manager factory that trusts {@code certs} and nothing else. */
  private static TrustManagerFactory trustManagers(List<X509Certificate> certs) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < certs.size(); i++) {
        ks.setCertificateEntry("cert-" + i, certs.get(i));
      }
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init(ks);
      return f;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the TLS trust manager: " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path file, String option) {
    List<X509Certificate> out = new ArrayList<>();
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      for (byte[] der : blocks(file, option, "CERTIFICATE")) {
        out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": not a valid X.509 certificate: " + e.getMessage());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(option + " " + file + ": no CERTIFICATE block in it");
    }
    return out;
  }

  private static PrivateKey privateKey(Path file, String option) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": cannot read it: " + FileProblems.reason(e));
    }
    try {
      return privateKey(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(option + " " + file + ": " + e.getMessage());
    }
  }

  /**
   * Reads the one private key of a PEM text, unencrypted, in any form openssl writes: PKCS#8
   * ({@code PRIVATE KEY}, RFC 5208), SEC 1 ({@code EC PRIVATE KEY}, RFC 5915) or PKCS#1 ({@code RSA
   * PRIVATE KEY}, RFC 8017). Other blocks (certificates, {@code EC PARAMETERS}) are passed over.
   * Every server key file of Vigil is read here: the decision point's, the control plane's and the
   * gateway's.
   *
   * @throws IllegalArgumentException saying what the text holds instead of one usable key
   */
  public static PrivateKey privateKey(String pem) {
    List<PrivateKeyInfo> keys = new ArrayList<>();
    boolean encrypted = false;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
        switch (o) {
          case PEMKeyPair pair -> keys.add(pair.getPrivateKeyInfo());
          case PrivateKeyInfo info -> keys.add(info);
          case PEMEncryptedKeyPair x -> encrypted = true;
          case PKCS8EncryptedPrivateKeyInfo x -> encrypted = true;
          default -> {}
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not PEM text that can be read: " + e.getMessage());
    }
    if (encrypted) {
      throw new IllegalArgumentException(
          "the private key is encrypted; write it without a passphrase"
              + " (openssl pkey -in KEY -out PLAIN.key)");
    }
    if (keys.size() != 1) {
      throw new IllegalArgumentException(
          "expected one private key (BEGIN PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY),"
              + " found "
              + keys.size());
    }
    try {
      return new JcaPEMKeyConverter().getPrivateKey(keys.get(0));
    } catch (PEMException | RuntimeException e) {
      throw new IllegalArgumentException("the private key does not parse: " + e.getMessage());
    }
  }

  private static List<byte[]> blocks(Path file, String option, String type) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          option + " " + file + ": cannot read it: " + FileProblems.reason(e));
    }
    List<byte[]> out = new ArrayList<>();
    Matcher m = PEM.matcher(text);
    while (m.find()) {
      if (!m.group(1).equals(type)) {
        continue;
      }
      try {
        out.add(Base64.getMimeDecoder().decode(m.group(2).strip()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            option + " " + file + ": a " + type + " block is not valid base64");
      }
    }
    return out;
  }

  /**
   * Tells whether {@code key} is the private half of {@code cert}'s public key, by signing a probe
   * with one and verifying it with the other; a key of another type or curve does not match.
   */
  public static boolean keyMatches(PrivateKey key, X509Certificate cert) {
    String alg =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          default -> key.getAlgorithm();
        };
    try {
      byte[] probe = "vigil-key-check".getBytes(StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(cert.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
