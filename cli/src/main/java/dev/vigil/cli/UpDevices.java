package dev.vigil.cli;

import dev.vigil.access.Devices;
import dev.vigil.access.http.DeviceRoutes;
import dev.vigil.gateway.config.ConfigException;
import dev.vigil.gateway.config.TlsSettings;
import dev.vigil.gateway.config.VigilConfig;
import dev.vigil.gateway.sidecar.RefusalLog;
import dev.vigil.gateway.tls.ServerCertificate;
import dev.vigil.gateway.tls.TlsListener;
import dev.vigil.identity.CaKeyCipher;
import dev.vigil.pdp.DecisionPoint;
import dev.vigil.store.Store;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;

/**
 * The device part of {@code vigil up}: device enrolment and posture on the embedded store, their
 * endpoints on the control plane, and the gateway's TLS listener that requests device certificates.
 */
final class UpDevices implements AutoCloseable {

  private final Devices devices;
  private final TlsSettings settings;
  private final VigilConfig cfg;

  private UpDevices(Devices devices, VigilConfig cfg) {
    this.devices = devices;
    this.settings = cfg.tls();
    this.cfg = cfg;
  }

  /** Opens the device store, its CA key sealed with the same key as the trust domains' CAs. */
  static UpDevices open(Store store, VigilConfig cfg, CaKeyCipher cipher) {
    Devices d =
        Devices.open(
            store,
            cipher,
            InstantSource.system(),
            Devices.Options.defaults().withMaxReportAge(cfg.tls().deviceReportMaxAge()));
    // Reports accepted by other nodes of a shared store arrive within this period.
    d.refreshEvery(Duration.ofSeconds(10));
    return new UpDevices(d, cfg);
  }

  /** The path under which refused enrolments and posture reports are logged as decisions. */
  static final String REFUSAL_LOG_PATH = "vigil/devices";

  /**
   * Adds the device endpoints to the control plane's router; each refusal (a replayed, forged or
   * malformed report, a spent token) is logged as a denied decision under {@value
   * #REFUSAL_LOG_PATH}.
   */
  void install(Router router, DecisionPoint pdp) {
    RefusalLog log = new RefusalLog(pdp, InstantSource.system(), REFUSAL_LOG_PATH);
    DeviceRoutes.install(
        router,
        devices,
        (endpoint, peer, code, reason) ->
            log.refuse(
                "control_plane", peer, code, "refused: " + reason, Map.of("endpoint", endpoint)));
  }

  /** Returns the gateway's TLS listener, or null when {@code gateway.tls_addr} is off. */
  TlsListener listener() throws IOException {
    if (settings.addr() == null) {
      return null;
    }
    Addresses a = Addresses.parse(settings.addr(), "gateway.tls_addr");
    Instant now = InstantSource.system().instant();
    ServerCertificate cert;
    try {
      cert =
          settings.certFile() == null
              ? ServerCertificate.selfSigned(cfg.dataDir(), now)
              : ServerCertificate.read(settings.certFile(), settings.keyFile(), now);
    } catch (ServerCertificate.FileRefused e) {
      // Named by the key that gave the file, as every other error about the configuration.
      throw new ConfigException(
          cfg.where(e.keyFile() ? "gateway.tls_key" : "gateway.tls_cert")
              + ": "
              + e.file()
              + ": "
              + e.reason());
    }
    return new TlsListener(a.host(), a.port(), cert, devices);
  }

  /** Returns the banner line of the TLS listener. */
  static String banner(TlsListener tls, int port) {
    return "vigil up: gateway (TLS)   https://"
        + Addresses.hostForUrl(tls.host())
        + ":"
        + port
        + "  (HTTP/2, device certificates requested; enrol with `vigil device enroll`)";
  }

  @Override
  public void close() {
    devices.close();
  }
}
