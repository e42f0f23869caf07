package dev.vigil.identity;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Fetches another trust domain's bundle from its bundle endpoint (SPIFFE Trust Domain and Bundle
 * specification, section 5.2): {@code https_web} checks the server against Web PKI roots (the
 * JDK's, or those given); {@code https_spiffe} checks that the server presents an X.509-SVID with
 * the expected SPIFFE ID, valid under a bundle the caller already trusts. Redirects are not
 * followed, and a bundle over 1 MiB is refused.
 */
public final class BundleFetcher {

  private static final int MAX_BYTES = 1 << 20;
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private BundleFetcher() {}

  /**
   * Fetches with the https_web profile.
   *
   * @param roots Web PKI roots to trust instead of the JDK's, or empty for the JDK's
   * @throws IOException naming the URL and what failed (TLS, status, size)
   */
  public static String httpsWeb(URI url, List<X509Certificate> roots) throws IOException {
    requireHttps(url);
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(null, roots.isEmpty() ? null : new TrustManager[] {Trust.of(roots)}, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS for " + url + ": " + e.getMessage(), e);
    }
    return get(url, tls);
  }

  /**
   * Fetches with the https_spiffe profile.
   *
   * @param endpointId the SPIFFE ID the server must present
   * @param trusted bundle that the server's SVID must verify under (its own trust domain's)
   * @throws IOException naming the URL and what failed
   */
  public static String httpsSpiffe(
      URI url, SpiffeId endpointId, TrustBundle trusted, InstantSource clock) throws IOException {
    requireHttps(url);
    X509SvidValidator validator =
        new X509SvidValidator(BundleSource.of(trusted), RevocationList.NONE, clock);
    Trust trust =
        new Trust() {
          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType)
              throws CertificateException {
            SpiffeId presented;
            try {
              presented = validator.validate(List.of(chain));
            } catch (SvidRejectedException e) {
              throw new CertificateException("bundle endpoint SVID refused: " + e.getMessage());
            }
            if (!presented.equals(endpointId)) {
              throw new CertificateException(
                  "bundle endpoint presented " + presented + ", expected " + endpointId);
            }
          }
        };
    SSLContext tls;
    try {
      tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {trust}, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS for " + url + ": " + e.getMessage(), e);
    }
    // The server is identified by its SPIFFE ID, not by a DNS name (section 5.2.2).
    return get(url, tls);
  }

  private static String get(URI url, SSLContext tls) throws IOException {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(tls)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    HttpResponse<byte[]> resp;
    try {
      resp =
          client.send(
              HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build(),
              HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("fetching the bundle from " + url + " was interrupted", e);
    } catch (IOException e) {
      throw new IOException("cannot fetch the bundle from " + url + ": " + describe(e), e);
    } finally {
      client.close();
    }
    if (resp.statusCode() != 200) {
      throw new IOException("bundle endpoint " + url + " answered HTTP " + resp.statusCode());
    }
    if (resp.body().length > MAX_BYTES) {
      throw new IOException("bundle from " + url + " is larger than 1 MiB");
    }
    return new String(resp.body(), StandardCharsets.UTF_8);
  }

  /**
   * Says why a fetch failed in words: the JDK's client throws a {@link ConnectException} without a
   * message over a cause named only by its class, so a refused connection is recognised by type.
   */
  private static String describe(Throwable e) {
    String deepest = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof HttpConnectTimeoutException) {
        return "timed out connecting after " + TIMEOUT.toSeconds() + " s";
      }
      if (t instanceof ConnectException) {
        return "cannot connect: connection refused (nothing listening there?) or host unreachable";
      }
      if (t.getMessage() != null) {
        deepest = t.getMessage();
      }
    }
    return deepest != null ? deepest : e.getClass().getSimpleName();
  }

  private static void requireHttps(URI url) throws IOException {
    if (!"https".equals(url.getScheme())) {
      throw new IOException("bundle endpoint URL " + url + " must use https");
    }
  }

  /**
   * A trust manager for servers only; the client presents no certificate. Being an extended trust
   * manager, JSSE leaves the hostname check to it: https_web delegates to PKIX, which checks the
   * name; https_spiffe checks the SPIFFE ID instead.
   */
  private abstract static class Trust extends X509ExtendedTrustManager {

    static Trust of(List<X509Certificate> roots) throws GeneralSecurityException, IOException {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < roots.size(); i++) {
        ks.setCertificateEntry("root" + i, roots.get(i));
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      X509ExtendedTrustManager pkix = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
      return new Trust() {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e)
            throws CertificateException {
          pkix.checkServerTrusted(chain, authType, e);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType)
            throws CertificateException {
          pkix.checkServerTrusted(chain, authType);
        }
      };
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine e)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket s)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("this trust manager checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine e)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket s)
        throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
