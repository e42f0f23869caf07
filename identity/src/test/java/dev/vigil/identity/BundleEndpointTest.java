package dev.vigil.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partner's bundle endpoint over real TLS on loopback, fetched with both profiles of the SPIFFE
 * Trust Domain and Bundle specification, and the fetched bundle making the partner's SVIDs verify.
 */
class BundleEndpointTest {

  private final InstantSource clock = InstantSource.system();
  private final TrustDomain partner = new TrustDomain("partner.example");
  private final TrustDomainCa partnerCa = TrustDomainCa.create(partner, CaConfig.defaults(), clock);
  private final InetSocketAddress loopback =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  private BundleEndpoint endpoint;

  @AfterEach
  void stop() {
    if (endpoint != null) {
      endpoint.close();
    }
  }

  /** A Web PKI stand-in: a root and a server certificate for 127.0.0.1 signed by it. */
  private record WebPki(X509Certificate root, X509Certificate server, KeyPair serverKey) {}

  private static WebPki webPki() throws Exception {
    SecureRandom random = new SecureRandom();
    KeyPair rootKey = KeyType.EC_P256.generate(random);
    KeyPair serverKey = KeyType.EC_P256.generate(random);
    Instant now = Instant.now();
    X500Name rootName = new X500Name("CN=Test Web Root");
    var rb =
        new JcaX509v3CertificateBuilder(
            rootName,
            BigInteger.ONE,
            Date.from(now.minusSeconds(60)),
            Date.from(now.plusSeconds(3600)),
            rootName,
            rootKey.getPublic());
    rb.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    rb.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
    X509Certificate root = Certificates.sign(rb, rootKey.getPrivate(), KeyType.EC_P256);
    var sb =
        new JcaX509v3CertificateBuilder(
            rootName,
            BigInteger.TWO,
            Date.from(now.minusSeconds(60)),
            Date.from(now.plusSeconds(3600)),
            new X500Name("CN=127.0.0.1"),
            serverKey.getPublic());
    sb.addExtension(
        Extension.subjectAlternativeName,
        false,
        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")));
    X509Certificate server = Certificates.sign(sb, rootKey.getPrivate(), KeyType.EC_P256);
    return new WebPki(root, server, serverKey);
  }

  private void serveWeb(WebPki pki) throws IOException {
    endpoint =
        BundleEndpoint.httpsWeb(
            loopback,
            partner,
            BundleSource.of(partnerCa.bundle()),
            pki.serverKey().getPrivate(),
            List.of(pki.server()));
  }

  @Test
  void httpsWeb_fetchedBundle_makesPartnerSvidsVerifyAfterImport() throws Exception {
    WebPki pki = webPki();
    serveWeb(pki);

    String json = BundleFetcher.httpsWeb(endpoint.uri(), List.of(pki.root()));
    TrustBundle fetched = TrustBundle.parse(partner, json);

    assertThat(fetched.x509Authorities()).isEqualTo(partnerCa.bundle().x509Authorities());
    assertThat(fetched.sequence()).isEqualTo(partnerCa.sequence());
    X509Svid svid =
        partnerCa.issueX509(SpiffeId.parse("spiffe://partner.example/api"), List.of(), null);
    X509SvidValidator here =
        new X509SvidValidator(BundleSource.of(fetched), RevocationList.NONE, clock);
    assertThat(here.validate(svid.chain())).isEqualTo(svid.id());
  }

  /**
   * Regression: served by the JDK's HTTP server, the endpoint took a field folded over two lines
   * (obsolete line folding, RFC 9112 §5.2) and joined it with a space, where every other Vigil
   * listener refuses it with 400. Raw bytes over real TLS: the folded head is refused, the plain
   * one served.
   */
  @Test
  void httpsWeb_foldedField_refused400_plainHeadServed() throws Exception {
    WebPki pki = webPki();
    serveWeb(pki);

    String folded = rawTls(pki, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n b\r\n\r\n");
    String tabbed = rawTls(pki, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n\tb\r\n\r\n");
    String plain = rawTls(pki, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a b\r\n\r\n");

    assertThat(folded).startsWith("HTTP/1.1 400 ").contains("obsolete line folding");
    assertThat(tabbed).startsWith("HTTP/1.1 400 ");
    assertThat(plain).startsWith("HTTP/1.1 200 ").contains("\"keys\"");
  }

  /**
   * Sends {@code head} over TLS to the endpoint, trusting {@code pki}'s root; returns the answer.
   */
  private String rawTls(WebPki pki, String head) throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("root", pki.root());
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    try (java.net.Socket s =
        ctx.getSocketFactory().createSocket("127.0.0.1", endpoint.uri().getPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  @Test
  void httpsWeb_keyOfAnotherCertificate_isRefusedBeforeServing(@TempDir Path dir) throws Exception {
    // Regression: the endpoint started and said where it served, but every handshake failed.
    WebPki pki = webPki();
    WebPki other = webPki();
    Path cert = dir.resolve("web.pem");
    Path key = dir.resolve("other.key");
    Files.writeString(cert, Certificates.pem(pki.server()));
    Files.writeString(
        key, Certificates.pem("PRIVATE KEY", other.serverKey().getPrivate().getEncoded()));

    assertThatThrownBy(
            () ->
                BundleEndpoint.httpsWeb(
                    loopback, partner, BundleSource.of(partnerCa.bundle()), cert, key))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key file " + key)
        .hasMessageContaining("does not match the certificate in " + cert);
    assertThatThrownBy(
            () ->
                BundleEndpoint.httpsWeb(
                    loopback,
                    partner,
                    BundleSource.of(partnerCa.bundle()),
                    other.serverKey().getPrivate(),
                    List.of(pki.server())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not match");
  }

  @Test
  void httpsWeb_missingFile_isRefusedSayingSo(@TempDir Path dir) {
    Path absent = dir.resolve("absent.pem");
    assertThatThrownBy(
            () ->
                BundleEndpoint.httpsWeb(
                    loopback, partner, BundleSource.of(partnerCa.bundle()), absent, absent))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("certificate file " + absent + " does not exist");
  }

  @Test
  void httpsWeb_nothingListening_saysTheConnectionWasRefused() throws Exception {
    // Regression: the message ended in "ClosedChannelException", the innermost cause's name.
    int port;
    try (var probe = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    java.net.URI url = java.net.URI.create("https://127.0.0.1:" + port + "/");
    assertThatThrownBy(() -> BundleFetcher.httpsWeb(url, List.of(webPki().root())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot fetch the bundle from " + url)
        .hasMessageContaining("cannot connect: connection refused")
        .hasMessageNotContaining("ClosedChannelException");
  }

  @Test
  void httpsWeb_serverNotUnderTrustedRoots_isRefused() throws Exception {
    serveWeb(webPki());
    WebPki other = webPki();

    assertThatThrownBy(() -> BundleFetcher.httpsWeb(endpoint.uri(), List.of(other.root())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot fetch the bundle from " + endpoint.uri());
  }

  @Test
  void httpsWeb_afterRotationStep_servesTheNewSequence() throws Exception {
    WebPki pki = webPki();
    serveWeb(pki);
    long before =
        TrustBundle.parse(partner, BundleFetcher.httpsWeb(endpoint.uri(), List.of(pki.root())))
            .sequence();

    // The endpoint reads the bundle at every request; BundleSource.of is fixed, so serve a live
    // one.
    endpoint.close();
    endpoint =
        BundleEndpoint.httpsWeb(
            loopback,
            partner,
            td -> java.util.Optional.of(partnerCa.bundle()),
            pki.serverKey().getPrivate(),
            List.of(pki.server()));
    partnerCa.prepare();
    TrustBundle after =
        TrustBundle.parse(partner, BundleFetcher.httpsWeb(endpoint.uri(), List.of(pki.root())));

    assertThat(after.sequence()).isEqualTo(before + 1);
    assertThat(after.x509Authorities()).hasSize(2);
  }

  @Test
  void httpsSpiffe_expectedEndpointId_fetchesOverSvidAuthenticatedTls() throws Exception {
    SpiffeId endpointId = SpiffeId.parse("spiffe://partner.example/vigil/bundle-endpoint");
    X509Svid svid = partnerCa.issueX509(endpointId, List.of(), Duration.ofMinutes(5));
    endpoint =
        BundleEndpoint.httpsSpiffe(
            loopback, partner, BundleSource.of(partnerCa.bundle()), () -> svid);

    String json = BundleFetcher.httpsSpiffe(endpoint.uri(), endpointId, partnerCa.bundle(), clock);

    assertThat(TrustBundle.parse(partner, json).x509Authorities())
        .isEqualTo(partnerCa.bundle().x509Authorities());
  }

  @Test
  void httpsSpiffe_serverPresentsAnotherId_isRefused() throws Exception {
    X509Svid svid =
        partnerCa.issueX509(SpiffeId.parse("spiffe://partner.example/impostor"), List.of(), null);
    endpoint =
        BundleEndpoint.httpsSpiffe(
            loopback, partner, BundleSource.of(partnerCa.bundle()), () -> svid);
    SpiffeId expected = SpiffeId.parse("spiffe://partner.example/vigil/bundle-endpoint");

    assertThatThrownBy(
            () -> BundleFetcher.httpsSpiffe(endpoint.uri(), expected, partnerCa.bundle(), clock))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot fetch the bundle");
  }

  @Test
  void httpsSpiffe_svidOfAnUntrustedDomain_isRefused() throws Exception {
    SpiffeId endpointId = SpiffeId.parse("spiffe://partner.example/vigil/bundle-endpoint");
    TrustDomainCa rogue = TrustDomainCa.create(partner, CaConfig.defaults(), clock);
    X509Svid svid = rogue.issueX509(endpointId, List.of(), null);
    endpoint =
        BundleEndpoint.httpsSpiffe(loopback, partner, BundleSource.of(rogue.bundle()), () -> svid);

    assertThatThrownBy(
            () -> BundleFetcher.httpsSpiffe(endpoint.uri(), endpointId, partnerCa.bundle(), clock))
        .isInstanceOf(IOException.class);
  }

  @Test
  void httpsWeb_plainHttpUrl_isRefused() {
    assertThatThrownBy(
            () -> BundleFetcher.httpsWeb(java.net.URI.create("http://127.0.0.1:1/"), List.of()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("must use https");
  }
}
