package dev.vigil.access;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * The device side: the device's key and certificate in a directory, enrolment with the control
 * plane, and signed posture reports. The directory holds {@value #KEY} (the private key, PKCS#8
 * PEM, readable by its owner only), {@value #CERT} (the device certificate) and {@value #CA} (the
 * device CA). Not thread-safe; one command uses one agent.
 */
public final class DeviceAgent {

  public static final String KEY = "device.key";
  public static final String CERT = "device.crt";
  public static final String CA = "device-ca.crt";

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Path dir;
  private final PrivateKey key;
  private final X509Certificate certificate;

  private DeviceAgent(Path dir, PrivateKey key, X509Certificate certificate) {
    this.dir = dir;
    this.key = key;
    this.certificate = certificate;
  }

  /**
   * Loads an enrolled device from {@code dir}.
   *
   * @throws IllegalArgumentException naming the file that is missing or unreadable
   */
  public static DeviceAgent load(Path dir) {
    try {
      PrivateKey k = DeviceCertificates.privateKey(Files.readString(dir.resolve(KEY)));
      X509Certificate c =
          DeviceCertificates.certificates(Files.readString(dir.resolve(CERT))).get(0);
      if (DeviceCertificates.deviceId(c) == null) {
        throw new IllegalArgumentException(
            dir.resolve(CERT) + " is not a Vigil device certificate");
      }
      return new DeviceAgent(dir, k, c);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          e.getFile() + " does not exist: enrol this device first (vigil device enroll)");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the device in " + dir + ": " + e);
    }
  }

  /** Generates the device key and returns it with a CSR for it, for {@link #save}. */
  public static KeyPair newKey() {
    return DeviceCertificates.newKeyPair();
  }

  /**
   * Enrols over HTTP at {@code server} (the control plane) with a one-time token.
   *
   * @throws DeviceException with the server's code when it refuses
   * @throws IOException when the server cannot be reached
   */
  public static Devices.Enrolment enrollRemote(
      HttpClient http, URI server, String token, String name, KeyPair key)
      throws IOException, InterruptedException {
    String body =
        new JsonObject()
            .put("token", token)
            .put("name", name)
            .put("csr", DeviceCertificates.csr(key))
            .encode();
    JsonObject json = json(post(http, server, "/v1/devices/enroll", "application/json", body));
    return new Devices.Enrolment(
        json.getString("device_id"),
        json.getString("certificate"),
        json.getString("ca_certificate"));
  }

  /** Writes an enrolment into {@code dir} and returns the loaded device. */
  public static DeviceAgent save(Path dir, KeyPair key, Devices.Enrolment e) throws IOException {
    Files.createDirectories(dir);
    Path keyFile = dir.resolve(KEY);
    Files.deleteIfExists(keyFile);
    Files.createFile(keyFile);
    try {
      Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException ex) {
      // Not a POSIX file system: the key keeps the directory's default permissions.
    }
    Files.writeString(
        keyFile,
        DeviceCertificates.pem(new PemObject("PRIVATE KEY", key.getPrivate().getEncoded())));
    Files.writeString(dir.resolve(CERT), e.certificatePem());
    Files.writeString(dir.resolve(CA), e.caCertificatePem());
    return load(dir);
  }

  /** Builds the enrolment request the control plane expects, for callers that send it. */
  public static String csr(KeyPair key) {
    return DeviceCertificates.csr(key);
  }

  public String deviceId() {
    return DeviceCertificates.deviceId(certificate);
  }

  public X509Certificate certificate() {
    return certificate;
  }

  public Path directory() {
    return dir;
  }

  /** Returns the signed report of {@code posture} made at {@code now}. */
  public String signReport(Posture posture, Instant now) {
    return PostureReport.of(deviceId(), now, posture).sign(key);
  }

  /**
   * Sends a signed report to the control plane and returns how long it stays fresh, in seconds.
   *
   * @throws DeviceException with the server's code when it refuses
   */
  public static long sendReport(HttpClient http, URI server, String jws)
      throws IOException, InterruptedException {
    JsonObject json = json(post(http, server, "/v1/devices/report", "application/jose", jws));
    return json.getLong("max_age_s", -1L);
  }

  private static String post(HttpClient http, URI server, String path, String type, String body)
      throws IOException, InterruptedException {
    URI uri = server.resolve(path);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri)
                .timeout(TIMEOUT)
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      JsonObject json = json(r.body());
      String code = json.getString("error", "http_" + r.statusCode());
      String msg = json.getString("message", uri + " answered " + r.statusCode());
      throw new DeviceException(code, msg);
    }
    return r.body();
  }

  /** Parses an answer of the control plane; anything but a JSON object reads as empty. */
  private static JsonObject json(String body) {
    try {
      return new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }
}
