package dev.vigil.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The gateway's TLS listener and device settings in the configuration ({@code gateway.tls_*} and
 * {@code gateway.device_report_max_age}; see docs/configuration.md).
 *
 * @param addr where the TLS listener listens, or null when it is {@code off}
 * @param certFile the server certificate chain (PEM), or null for a self-signed one in the data
 *     directory
 * @param keyFile the server key (PEM), set exactly when {@code certFile} is
 * @param deviceReportMaxAge a device whose latest posture report is older is unknown
 */
public record TlsSettings(String addr, Path certFile, Path keyFile, Duration deviceReportMaxAge) {

  /** The keys this record reads from the {@code gateway} section. */
  static final java.util.Set<String> KEYS =
      java.util.Set.of("tls_addr", "tls_cert", "tls_key", "device_report_max_age");

  public static TlsSettings defaults() {
    return new TlsSettings("127.0.0.1:8443", null, null, Duration.ofHours(1));
  }

  /** Reads the settings from the {@code gateway} section; relative paths are from {@code base}. */
  static TlsSettings read(Map<String, YamlNode> gw, Path base) {
    TlsSettings d = defaults();
    YamlNode addrNode = gw.getOrDefault("tls_addr", YamlNode.missing());
    String addr =
        !addrNode.isMissing() && addrNode.string().equals("off")
            ? null
            : VigilConfig.address(addrNode, d.addr());
    YamlNode cert = gw.getOrDefault("tls_cert", YamlNode.missing());
    YamlNode key = gw.getOrDefault("tls_key", YamlNode.missing());
    if (cert.isMissing() != key.isMissing()) {
      throw (cert.isMissing() ? key : cert).error("tls_cert and tls_key go together: give both");
    }
    Duration age =
        VigilConfig.duration(
            gw.getOrDefault("device_report_max_age", YamlNode.missing()), d.deviceReportMaxAge());
    if (age.isZero()) {
      throw gw.get("device_report_max_age").error("must be longer than 0s");
    }
    return new TlsSettings(
        addr,
        cert.isMissing() ? null : base.resolve(cert.string()).normalize(),
        key.isMissing() ? null : base.resolve(key.string()).normalize(),
        age);
  }
}
