package dev.vigil.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made by the {@code openssl} command line, as an operator would make them for Vigil:
 * a CA, and leaves it signs with the extension a test needs ({@code subjectAltName=IP:127.0.0.1}
 * for a server, {@code extendedKeyUsage=clientAuth} for a client). EC P-256 keys in PKCS#8, each
 * file as {@code NAME.pem} and {@code NAME.key} in one directory.
 */
public final class OpensslCerts {

  private final Path dir;

  /** Makes the certificates in {@code dir}. */
  public OpensslCerts(Path dir) {
    this.dir = dir;
  }

  /** A self-signed CA in NAME.pem and NAME.key, valid two days. */
  public OpensslCerts ca(String name) throws IOException, InterruptedException {
    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".pem",
        "-subj",
        "/CN=" + name,
        "-days",
        "2");
    return this;
  }

  /** A leaf of the CA {@code ca} in NAME.pem and NAME.key, valid a day, with {@code extension}. */
  public OpensslCerts leaf(String name, String ca, String extension)
      throws IOException, InterruptedException {
    openssl(
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        name + ".key",
        "-out",
        name + ".csr",
        "-subj",
        "/CN=" + name);
    Files.writeString(dir.resolve(name + ".ext"), extension + "\n");
    openssl(
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".pem",
        "-CAkey",
        ca + ".key",
        "-CAcreateserial",
        "-out",
        name + ".pem",
        "-days",
        "1",
        "-extfile",
        name + ".ext");
    return this;
  }

  /** Runs {@code openssl ARGS} in the directory; a failure throws with what openssl printed. */
  public void openssl(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("openssl " + cmd + " did not finish within 60 s");
    }
    if (p.exitValue() != 0) {
      throw new IOException("openssl " + cmd + " failed: " + out);
    }
  }
}
