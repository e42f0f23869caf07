package dev.vigil.access;

import dev.vigil.identity.CaKeyCipher;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The device CA: one EC P-256 root, apart from every workload trust domain, whose key is sealed at
 * rest by {@link CaKeyCipher} and opened only to sign. It signs device certificates and checks that
 * a certificate a client presents is one of them. Thread-safe.
 */
final class DeviceCa {

  static final Duration LIFETIME = Duration.ofDays(3650);

  private final String id;
  private final X509Certificate certificate;
  private final String sealedKey;
  private final CaKeyCipher cipher;

  private DeviceCa(String id, X509Certificate certificate, String sealedKey, CaKeyCipher cipher) {
    this.id = id;
    this.certificate = certificate;
    this.sealedKey = sealedKey;
    this.cipher = cipher;
  }

  /**
   * The id under which a device CA is created: one id for every node, so that the table's primary
   * key lets only one of the nodes starting at once on an empty store insert its CA. A store made
   * before keeps its CA under the id it has ({@code device-ca-} and the serial in hexadecimal).
   */
  static final String ID = "device-ca";

  /** Loads the device CA from the store, creating it on first use. */
  static DeviceCa loadOrCreate(DeviceStore store, CaKeyCipher cipher, Instant now) {
    return loadOrCreate(store, cipher, now, () -> {});
  }

  /**
   * As {@link #loadOrCreate(DeviceStore, CaKeyCipher, Instant)}; {@code beforeInsert} runs when the
   * store had no CA, just before this one is inserted, so that a test can hold two nodes there and
   * make them race.
   */
  static DeviceCa loadOrCreate(
      DeviceStore store, CaKeyCipher cipher, Instant now, Runnable beforeInsert) {
    var row = store.ca();
    if (row.isEmpty()) {
      KeyPair key = DeviceCertificates.newKeyPair();
      X509Certificate cert = DeviceCertificates.caCertificate(key, now, now.plus(LIFETIME));
      String sealed = cipher.seal(key.getPrivate().getEncoded(), ID);
      beforeInsert.run();
      // A node that lost the race inserts nothing and reads the winner's CA below.
      store.insertCaIfAbsent(
          new DeviceStore.CaRow(ID, DeviceCertificates.pem(cert), sealed), now.toEpochMilli());
      row = store.ca();
    }
    var r = row.orElseThrow(() -> new IllegalStateException("the device CA cannot be created"));
    X509Certificate cert = DeviceCertificates.certificates(r.certificatePem()).get(0);
    DeviceCa ca = new DeviceCa(r.id(), cert, r.sealedKey(), cipher);
    ca.privateKey(); // fail at start, not at the first enrolment, when the key does not open
    return ca;
  }

  X509Certificate certificate() {
    return certificate;
  }

  /** Signs a device certificate for {@code deviceKey}, then checks it as a verifier would. */
  X509Certificate issue(String deviceId, PublicKey deviceKey, Instant now, Duration lifetime) {
    Instant notAfter = now.plus(lifetime);
    if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
      notAfter = certificate.getNotAfter().toInstant();
    }
    X509Certificate cert =
        DeviceCertificates.deviceCertificate(
            deviceId, deviceKey, certificate, privateKey(), now.minusSeconds(60), notAfter);
    String problem = problem(cert, now);
    if (problem != null) {
      throw new IllegalStateException("device CA signed a bad certificate: " + problem);
    }
    return cert;
  }

  /**
   * Returns why {@code cert} is not a valid device certificate of this CA at {@code now}, or null
   * when it is one.
   */
  String problem(X509Certificate cert, Instant now) {
    if (!cert.getIssuerX500Principal().equals(certificate.getSubjectX500Principal())) {
      return "issued by " + cert.getIssuerX500Principal().getName() + ", not the device CA";
    }
    try {
      cert.verify(certificate.getPublicKey());
    } catch (GeneralSecurityException e) {
      return "signature does not verify with the device CA key";
    }
    if (now.isBefore(cert.getNotBefore().toInstant())
        || now.isAfter(cert.getNotAfter().toInstant())) {
      return "not valid at "
          + now
          + " (valid "
          + cert.getNotBefore().toInstant()
          + " to "
          + cert.getNotAfter().toInstant()
          + ")";
    }
    if (cert.getBasicConstraints() != -1) {
      return "is a CA certificate";
    }
    try {
      List<String> eku = cert.getExtendedKeyUsage();
      if (eku == null || !eku.contains("1.3.6.1.5.5.7.3.2")) {
        return "lacks the clientAuth extended key usage";
      }
    } catch (GeneralSecurityException e) {
      return "extended key usage does not parse";
    }
    return DeviceCertificates.deviceId(cert) == null ? "carries no device id" : null;
  }

  private PrivateKey privateKey() {
    try {
      return KeyFactory.getInstance("EC")
          .generatePrivate(new PKCS8EncodedKeySpec(cipher.open(sealedKey, id)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the stored device CA key does not parse", e);
    }
  }
}
