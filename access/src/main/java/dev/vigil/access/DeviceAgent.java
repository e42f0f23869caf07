package dev.vigil.access;

import dev.vigil.httpkit.StrictJson;
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
  private static final String ENROLL = "/v1/devices/enroll";
  private static final String REPORT = "/v1/devices/report";

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
   * Enrols over HTTP at {@code server} (the control plane) with a one-time token. The answer is
   * read as a document Vigil trusts: one JSON object, no member twice, {@code device_id}, {@code
   * certificate} and {@code ca_certificate} present as strings, the certificate this device's.
   *
   * @throws DeviceException with the server's code when it refuses; {@code bad_answer}, naming the
   *     field, when its answer is not as above
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
    String what = "the enrolment answer of " + server.resolve(ENROLL);
    JsonObject json = trusted(what, post(http, server, ENROLL, "application/json", body));
    Devices.Enrolment e =
        new Devices.Enrolment(
            text(json, "device_id", what),
            text(json, "certificate", what),
            text(json, "ca_certificate", what));
    checkEnrolment(e, key, what);
    return e;
  }

  /**
   * Checks an enrolment before anything of it is written: its certificates read, the device's is a
   * Vigil device certificate of {@code device_id} for the key that asked for it.
   */
  private static void checkEnrolment(Devices.Enrolment e, KeyPair key, String what) {
    X509Certificate device;
    try {
      device = DeviceCertificates.certificates(e.certificatePem()).get(0);
      DeviceCertificates.certificates(e.caCertificatePem());
    } catch (IllegalArgumentException ex) {
      throw badAnswer(what, "a certificate does not read: " + ex.getMessage());
    }
    String id = DeviceCertificates.deviceId(device);
    if (id == null) {
      throw badAnswer(what, "field \"certificate\" is not a Vigil device certificate");
    }
    if (!id.equals(e.deviceId())) {
      throw badAnswer(
          what,
          "field \"device_id\" is \""
              + printable(e.deviceId())
              + "\" but the certificate is of device \""
              + id
              + "\"");
    }
    if (!device.getPublicKey().equals(key.getPublic())) {
      throw badAnswer(what, "field \"certificate\" is not for this device's key");
    }
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
   * Sends a signed report to the control plane and returns how long it stays fresh, in seconds (the
   * answer's {@code max_age_s}, read as {@link #enrollRemote} reads its answer).
   *
   * @throws DeviceException with the server's code when it refuses; {@code bad_answer}, naming the
   *     field, when its answer is not one JSON object with a whole {@code max_age_s}
   */
  public static long sendReport(HttpClient http, URI server, String jws)
      throws IOException, InterruptedException {
    String what = "the report answer of " + server.resolve(REPORT);
    JsonObject json = trusted(what, post(http, server, REPORT, "application/jose", jws));
    Object maxAge = json.getValue("max_age_s");
    if (maxAge == null) {
      throw badAnswer(what, "field \"max_age_s\" is missing");
    }
    if (!(maxAge instanceof Integer || maxAge instanceof Long)
        || ((Number) maxAge).longValue() < 0) {
      throw badAnswer(
          what, "field \"max_age_s\" is " + kind(maxAge) + ", not a whole number of seconds");
    }
    return ((Number) maxAge).longValue();
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
      // A refusal is told as the server words it when it reads as one, else by its status.
      String code = "http_" + r.statusCode();
      String msg = uri + " answered " + r.statusCode();
      try {
        JsonObject json = trusted("refusal", r.body());
        if (json.getValue("error") instanceof String c && !c.isBlank()) {
          code = printable(c);
        }
        if (json.getValue("message") instanceof String m && !m.isBlank()) {
          msg = printable(m);
        }
      } catch (DeviceException notJson) {
        // Not Vigil's JSON refusal (a proxy's page, say): the status says what happened.
      }
      throw new DeviceException(code, msg);
    }
    return r.body();
  }

  /**
   * Reads an answer of the control plane as a document Vigil trusts ({@link StrictJson}): one JSON
   * object in which no member appears twice.
   *
   * @throws DeviceException {@code bad_answer}, naming the answer and what is wrong
   */
  private static JsonObject trusted(String what, String body) {
    try {
      StrictJson.requireUniqueKeys(what, body);
    } catch (StrictJson.Refused e) {
      throw new DeviceException("bad_answer", e.getMessage());
    }
    // The scan read one JSON value: the parser below sees the same one.
    if (!body.strip().startsWith("{")) {
      throw badAnswer(what, "it is not a JSON object");
    }
    try {
      return new JsonObject(body);
    } catch (DecodeException e) {
      throw badAnswer(what, "it does not read as JSON: " + e.getMessage());
    }
  }

  /** Returns the string member {@code field}, refusing one missing, of another type, or empty. */
  private static String text(JsonObject json, String field, String what) {
    Object v = json.getValue(field);
    if (v == null) {
      throw badAnswer(what, "field \"" + field + "\" is missing");
    }
    if (!(v instanceof String s)) {
      throw badAnswer(what, "field \"" + field + "\" is " + kind(v) + ", not a string");
    }
    if (s.isBlank()) {
      throw badAnswer(what, "field \"" + field + "\" is empty");
    }
    return s;
  }

  private static DeviceException badAnswer(String what, String problem) {
    return new DeviceException("bad_answer", what + ": " + problem);
  }

  /** Names the JSON type of a value Vert.x decoded, for a message. */
  private static String kind(Object v) {
    return switch (v) {
      case null -> "null";
      case String s -> "a string";
      case Boolean b -> "a boolean";
      case Number n -> "the number " + n;
      case JsonObject o -> "an object";
      case io.vertx.core.json.JsonArray a -> "an array";
      default -> "a " + v.getClass().getSimpleName();
    };
  }

  /** Text a server chose, for a terminal: no control characters, at most 300 of them. */
  private static String printable(String text) {
    String safe = text.replaceAll("\\p{Cntrl}", "?");
    return safe.length() > 300 ? safe.substring(0, 300) + "..." : safe;
  }
}
