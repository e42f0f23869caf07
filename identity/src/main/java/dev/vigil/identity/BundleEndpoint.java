package dev.vigil.identity;

import dev.vigil.httpkit.SmallHttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A SPIFFE bundle endpoint (SPIFFE Trust Domain and Bundle specification, section 5): an HTTPS
 * server that answers {@code GET} with the current bundle of one trust domain in the SPIFFE bundle
 * format. Two profiles: {@code https_web}, served with a configured Web PKI certificate, and {@code
 * https_spiffe}, served with an X.509-SVID that clients authenticate against the bundle they
 * already hold. The bundle is read at every request, so rotation steps show at once. Served by
 * {@link SmallHttpServer}, which refuses a request head with a folded field (RFC 9112 §5.2) as
 * every Vigil listener does. Thread-safe; {@link #close()} stops it.
 */
public final class BundleEndpoint implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BundleEndpoint.class);

  private final SmallHttpServer server;

  private BundleEndpoint(SmallHttpServer server) {
    this.server = server;
  }

  /**
   * Serves the bundle of {@code td} with the https_web profile.
   *
   * @param chain the server certificate first, then any intermediates
   * @throws IllegalArgumentException when the chain is empty or the key is not the server
   *     certificate's
   * @throws IOException when the address cannot be bound
   */
  public static BundleEndpoint httpsWeb(
      InetSocketAddress address,
      TrustDomain td,
      BundleSource bundles,
      PrivateKey key,
      List<X509Certificate> chain)
      throws IOException {
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("the bundle endpoint needs a server certificate");
    }
    if (!keyOf(key, chain.getFirst())) {
      throw new IllegalArgumentException(
          "the private key does not match the certificate of "
              + chain.getFirst().getSubjectX500Principal().getName());
    }
    ServingKeyManager.Credential fixed = new ServingKeyManager.Credential(key, List.copyOf(chain));
    return start(address, td, bundles, () -> fixed);
  }

  /**
   * Serves the bundle of {@code td} with the https_spiffe profile, presenting whatever SVID {@code
   * svid} returns at each handshake (so a renewed SVID is used at once).
   *
   * @throws IOException when the address cannot be bound
   */
  public static BundleEndpoint httpsSpiffe(
      InetSocketAddress address, TrustDomain td, BundleSource bundles, Supplier<X509Svid> svid)
      throws IOException {
    return start(
        address,
        td,
        bundles,
        () -> {
          X509Svid s = svid.get();
          return new ServingKeyManager.Credential(s.privateKey(), s.chain());
        });
  }

  /**
   * Serves with the https_web profile from PEM files: the certificate chain, leaf first, and an
   * unencrypted PKCS#8 private key.
   *
   * @throws IllegalArgumentException naming the file that cannot be read or does not parse, or the
   *     key file that does not match the certificate
   * @throws IOException when the address cannot be bound
   */
  public static BundleEndpoint httpsWeb(
      InetSocketAddress address, TrustDomain td, BundleSource bundles, Path certPem, Path keyPem)
      throws IOException {
    String certText = read(certPem, "certificate file");
    List<X509Certificate> chain;
    try {
      chain = Certificates.readPem(certText);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("certificate file " + certPem + ": " + e.getMessage());
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("certificate file " + certPem + " holds no certificate");
    }
    String pem = read(keyPem, "key file");
    if (!pem.contains("-----BEGIN PRIVATE KEY-----")) {
      throw new IllegalArgumentException(
          "key file " + keyPem + " is not an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)");
    }
    byte[] der =
        Base64.getMimeDecoder().decode(pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", ""));
    PrivateKey key;
    try {
      key = Certificates.privateKey(der, chain.getFirst().getPublicKey().getAlgorithm());
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException("key file " + keyPem + ": " + e.getMessage());
    }
    if (!keyOf(key, chain.getFirst())) {
      throw new IllegalArgumentException(
          "key file " + keyPem + " does not match the certificate in " + certPem);
    }
    return httpsWeb(address, td, bundles, key, chain);
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(what + " " + file + " does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException(what + " " + file + " cannot be read: " + e);
    }
  }

  /** Returns true when {@code key} signs what the certificate's public key verifies. */
  private static boolean keyOf(PrivateKey key, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    if (!pub.getAlgorithm().equals(key.getAlgorithm())) {
      return false;
    }
    String algorithm = pub.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    byte[] probe = "vigil bundle endpoint key check".getBytes(StandardCharsets.UTF_8);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(pub);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * Serves the bundle of a trust domain run here with the https_spiffe profile, presenting an SVID
   * for {@code spiffe://TD/vigil/bundle-endpoint} issued by its own CA and reissued at half life.
   *
   * @throws IOException when the address cannot be bound
   */
  public static BundleEndpoint httpsSpiffe(
      InetSocketAddress address, Identities identities, TrustDomain td, InstantSource clock)
      throws IOException {
    SpiffeId id = SpiffeId.of(td, "vigil", "bundle-endpoint");
    AtomicReference<X509Svid> held =
        new AtomicReference<>(identities.issueX509(id, List.of(), null));
    Supplier<X509Svid> current =
        () ->
            held.updateAndGet(
                s -> {
                  Instant born = s.leaf().getNotBefore().toInstant();
                  Instant half = born.plus(Duration.between(born, s.expiry()).dividedBy(2));
                  return clock.instant().isBefore(half)
                      ? s
                      : identities.issueX509(id, List.of(), null);
                });
    return httpsSpiffe(address, td, identities.bundles(), current);
  }

  private static BundleEndpoint start(
      InetSocketAddress address,
      TrustDomain td,
      BundleSource bundles,
      Supplier<ServingKeyManager.Credential> credential)
      throws IOException {
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLSv1.3");
      tls.init(new KeyManager[] {new ServingKeyManager(credential)}, null, null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for the bundle endpoint", e);
    }
    SmallHttpServer server =
        SmallHttpServer.start(
            address, tls.getServerSocketFactory(), 2, request -> answer(request, td, bundles));
    log.info("bundle endpoint of {} listening on https://{}", td, server.address());
    return new BundleEndpoint(server);
  }

  private static SmallHttpServer.Answer answer(
      SmallHttpServer.Request request, TrustDomain td, BundleSource bundles) {
    if (!request.method().equals("GET")) {
      return new SmallHttpServer.Answer(
          405,
          Map.of("Allow", "GET", "Content-Type", "text/plain"),
          "only GET is served here\n".getBytes(StandardCharsets.UTF_8));
    }
    Optional<TrustBundle> bundle = bundles.bundle(td);
    if (bundle.isEmpty()) {
      return SmallHttpServer.Answer.text(
          404, "text/plain", "no bundle for trust domain " + td + "\n");
    }
    return SmallHttpServer.Answer.text(200, "application/json", bundle.get().toJson());
  }

  /** Returns the URL clients fetch the bundle from, such as {@code https://127.0.0.1:8443/}. */
  public URI uri() {
    InetSocketAddress a = server.address();
    String host = a.getAddress().getHostAddress();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("https://" + host + ":" + a.getPort() + "/");
  }

  @Override
  public void close() {
    server.close();
  }
}
