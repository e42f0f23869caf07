package dev.vigil.gateway.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The trust manager of the gateway's TLS listener for client certificates.
 *
 * <p>Why it accepts every client chain: the JDK aborts the handshake when a client presents a
 * certificate its trust manager refuses, even when client authentication is only requested. A
 * device certificate from another CA, or an expired one, must make an unknown device that the
 * policy judges, not a failed connection. So TLS only proves that the client holds the key of the
 * certificate it sent, and {@code Devices.identify} decides after the handshake whether that
 * certificate is one of the device CA's. The device CA is still announced as the accepted issuer,
 * so that browsers and HTTP clients pick the device certificate.
 */
public final class DeviceClientTrust extends X509ExtendedTrustManager {

  private final X509Certificate[] issuers;

  public DeviceClientTrust(X509Certificate deviceCa) {
    this.issuers = new X509Certificate[] {deviceCa};
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
    // Verified after the handshake, against the device CA (see the class comment).
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
    // As above.
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
    // As above.
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("the gateway's client-certificate trust checks no servers");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return issuers.clone();
  }
}
