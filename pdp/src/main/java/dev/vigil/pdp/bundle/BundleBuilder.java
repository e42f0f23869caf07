package dev.vigil.pdp.bundle;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds a {@code .tar.gz} bundle from a directory, as {@code opa build} does: the {@code .rego}
 * and data files, a {@code .manifest} (kept, or written when a revision or roots are given), and
 * optionally a signature. The bundle is read back and checked before it is written.
 */
public final class BundleBuilder {

  /**
   * What to build.
   *
   * @param revision the revision to record, or null to keep the directory's manifest
   * @param roots the roots to record, or null
   * @param signingAlgorithm JWS algorithm to sign with, or null for no signature
   * @param signingKey PEM private key or HMAC secret
   * @param keyId key id to name in the signature, or null
   * @param regoVersion 0 or 1 to record as the manifest's {@code rego_version}, or null
   */
  public record Options(
      String revision,
      List<String> roots,
      String signingAlgorithm,
      String signingKey,
      String keyId,
      Integer regoVersion) {

    public Options(String revision, List<String> roots, String alg, String key, String keyId) {
      this(revision, roots, alg, key, keyId, null);
    }

    public static Options plain() {
      return new Options(null, null, null, null, null, null);
    }
  }

  private BundleBuilder() {}

  /** Builds the bundle and returns the checked bundle that was written. */
  public static Bundle build(Path dir, Options options, OutputStream out) {
    if (!Files.isDirectory(dir)) {
      throw new BundleException(dir + ": not a directory");
    }
    Map<String, byte[]> files = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : BundleReader.readDirectory(dir).entrySet()) {
      String name = e.getKey();
      String base = name.substring(name.lastIndexOf('/') + 1);
      if (base.endsWith(".rego")
          || base.equals("data.json")
          || base.equals("data.yaml")
          || base.equals("data.yml")
          || name.equals(BundleReader.MANIFEST)) {
        files.put(name, e.getValue());
      }
    }
    if (options.revision() != null || options.roots() != null || options.regoVersion() != null) {
      files.put(BundleReader.MANIFEST, manifest(files.get(BundleReader.MANIFEST), options));
    }
    files.remove(BundleReader.SIGNATURES);
    Map<String, byte[]> ordered = new LinkedHashMap<>();
    if (options.signingAlgorithm() != null) {
      String sig =
          BundleSignatures.sign(
              files, options.signingAlgorithm(), options.signingKey(), options.keyId());
      ordered.put(BundleReader.SIGNATURES, sig.getBytes(StandardCharsets.UTF_8));
    }
    ordered.putAll(files);
    Bundle checked = BundleReader.fromFiles(dir.toString(), ordered);
    try {
      TarArchive.writeGzip(ordered, out);
    } catch (IOException e) {
      throw new BundleException("cannot write bundle: " + e.getMessage(), e);
    }
    return checked;
  }

  private static byte[] manifest(byte[] existing, Options options) {
    ObjectValue base = ObjectValue.EMPTY;
    if (existing != null
        && Json.parse(new String(existing, StandardCharsets.UTF_8)) instanceof ObjectValue o) {
      base = o;
    }
    Map<Value, Value> m = new java.util.HashMap<>(base.asMap());
    if (options.revision() != null) {
      m.put(StringValue.of("revision"), StringValue.of(options.revision()));
    }
    if (options.regoVersion() != null) {
      m.put(
          StringValue.of("rego_version"),
          dev.vigil.rego.value.NumberValue.of(options.regoVersion()));
    }
    if (options.roots() != null) {
      List<Value> roots = new ArrayList<>();
      options.roots().forEach(r -> roots.add(StringValue.of(r)));
      m.put(StringValue.of("roots"), ArrayValue.of(roots));
    }
    return Json.write(ObjectValue.wrap(m)).getBytes(StandardCharsets.UTF_8);
  }
}
