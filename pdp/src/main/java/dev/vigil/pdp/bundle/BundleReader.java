package dev.vigil.pdp.bundle;

import dev.vigil.httpkit.StrictJson;
import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads bundles in OPA's format from a directory, a {@code .tar.gz} file or archive bytes.
 *
 * <p>{@code .rego} files are modules; {@code data.json} and {@code data.yaml} files are merged into
 * {@code data} at the path of their directory; {@code .manifest} sets revision and roots; {@code
 * .signatures.json} is kept for verification. Every data path must lie under a root. Other files
 * are ignored. Errors name the bundle, the file and the fault.
 */
public final class BundleReader {

  public static final String MANIFEST = ".manifest";
  public static final String SIGNATURES = ".signatures.json";

  private BundleReader() {}

  /** Reads a bundle directory or a {@code .tar.gz} file. */
  public static Bundle read(Path path) {
    if (Files.isDirectory(path)) {
      return fromFiles(path.toString(), readDirectory(path));
    }
    if (!Files.isRegularFile(path)) {
      throw new BundleException(path + ": no such bundle file or directory");
    }
    try (InputStream in = Files.newInputStream(path)) {
      return fromFiles(
          path.toString(), TarArchive.readGzip(in, TarArchive.Limits.defaults(), path.toString()));
    } catch (IOException e) {
      throw new BundleException(path + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** Reads a bundle from {@code .tar.gz} bytes. */
  public static Bundle read(byte[] archive, String source) {
    return fromFiles(
        source,
        TarArchive.readGzip(
            new ByteArrayInputStream(archive), TarArchive.Limits.defaults(), source));
  }

  /** Returns every file under a directory by relative path, skipping hidden folders. */
  static Map<String, byte[]> readDirectory(Path dir) {
    Map<String, byte[]> files = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String rel = dir.relativize(p).toString().replace('\\', '/');
        if (isHiddenFolder(rel)) {
          continue;
        }
        files.put(rel, Files.readAllBytes(p));
      }
    } catch (IOException e) {
      throw new BundleException(dir + ": cannot read: " + e.getMessage(), e);
    }
    return files;
  }

  private static boolean isHiddenFolder(String rel) {
    int slash = rel.lastIndexOf('/');
    if (slash < 0) {
      return false;
    }
    for (String seg : rel.substring(0, slash).split("/")) {
      if (seg.startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  /** Builds a bundle from its files. */
  public static Bundle fromFiles(String source, Map<String, byte[]> files) {
    Bundle.Manifest manifest =
        files.containsKey(MANIFEST)
            ? manifest(source, files.get(MANIFEST))
            : Bundle.Manifest.defaults();
    Map<String, String> modules = new TreeMap<>();
    Map<Value, Object> data = new HashMap<>();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      String path = e.getKey();
      String name = path.substring(path.lastIndexOf('/') + 1);
      String dir = path.contains("/") ? path.substring(0, path.lastIndexOf('/')) : "";
      if (name.endsWith(".rego")) {
        modules.put(path, utf8(source, path, e.getValue()));
      } else if (name.equals("data.json")) {
        merge(source, path, data, split(dir), parseJson(source, path, e.getValue()), manifest);
      } else if (name.equals("data.yaml") || name.equals("data.yml")) {
        merge(source, path, data, split(dir), parseYaml(source, path, e.getValue()), manifest);
      }
    }
    return new Bundle(source, manifest, modules, freeze(data), files);
  }

  private static Bundle.Manifest manifest(String source, byte[] bytes) {
    Value v = parseJson(source, MANIFEST, bytes);
    // Two "roots" or "revision": Rego's parser keeps the last, as OPA's does; refused instead.
    try {
      StrictJson.requireUniqueKeys(source + ": " + MANIFEST, utf8(source, MANIFEST, bytes));
    } catch (StrictJson.Refused e) {
      throw new BundleException(e.getMessage());
    }
    if (!(v instanceof ObjectValue m)) {
      throw new BundleException(source + ": " + MANIFEST + ": must be a JSON object");
    }
    String revision = "";
    if (m.get("revision") instanceof StringValue s) {
      revision = s.value();
    } else if (m.get("revision") != null) {
      throw new BundleException(source + ": " + MANIFEST + ": revision must be a string");
    }
    List<String> roots = new ArrayList<>();
    Value r = m.get("roots");
    if (r == null) {
      roots.add("");
    } else if (r instanceof ArrayValue a) {
      for (Value root : a.elements()) {
        if (!(root instanceof StringValue s)) {
          throw new BundleException(source + ": " + MANIFEST + ": roots must be strings");
        }
        roots.add(trimSlashes(s.value()));
      }
    } else {
      throw new BundleException(source + ": " + MANIFEST + ": roots must be a list of strings");
    }
    for (int i = 0; i < roots.size(); i++) {
      for (int j = 0; j < roots.size(); j++) {
        if (i != j && under(roots.get(i), roots.get(j))) {
          throw new BundleException(
              source
                  + ": "
                  + MANIFEST
                  + ": roots \""
                  + roots.get(i)
                  + "\" and \""
                  + roots.get(j)
                  + "\" overlap");
        }
      }
    }
    ObjectValue metadata = m.get("metadata") instanceof ObjectValue o ? o : ObjectValue.EMPTY;
    Integer regoVersion = null;
    if (m.get("rego_version") instanceof NumberValue n) {
      regoVersion = n.intValueExact();
      if (regoVersion == null || (regoVersion != 0 && regoVersion != 1)) {
        throw new BundleException(source + ": " + MANIFEST + ": rego_version must be 0 or 1");
      }
    }
    return new Bundle.Manifest(revision, List.copyOf(roots), metadata, regoVersion);
  }

  /** Returns true when {@code path} lies at or under {@code root} (segment-wise). */
  public static boolean under(String path, String root) {
    return root.isEmpty() || path.equals(root) || path.startsWith(root + "/");
  }

  private static String trimSlashes(String s) {
    String t = s;
    while (t.startsWith("/")) {
      t = t.substring(1);
    }
    while (t.endsWith("/")) {
      t = t.substring(0, t.length() - 1);
    }
    return t;
  }

  private static List<String> split(String dir) {
    List<String> out = new ArrayList<>();
    if (!dir.isEmpty()) {
      for (String s : dir.split("/")) {
        if (!s.isEmpty()) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static void merge(
      String source,
      String file,
      Map<Value, Object> data,
      List<String> prefix,
      Value doc,
      Bundle.Manifest manifest) {
    if (!(doc instanceof ObjectValue obj)) {
      throw new BundleException(source + ": " + file + ": data must be a JSON object");
    }
    for (Value key : obj.keys()) {
      String keyPath = String.join("/", prefix) + (prefix.isEmpty() ? "" : "/") + keyText(key);
      if (manifest.overlappingRoot(keyPath) == null) {
        throw new BundleException(
            source
                + ": "
                + file
                + ": data path \""
                + keyPath
                + "\" is outside the bundle roots "
                + manifest.roots());
      }
    }
    Map<Value, Object> at = data;
    for (String seg : prefix) {
      at = child(at, StringValue.of(seg), source, file);
    }
    for (Value key : obj.keys()) {
      Value incoming = obj.get(key);
      Object existing = at.get(key);
      if (existing == null) {
        at.put(key, incoming);
      } else if (existing instanceof Map<?, ?> && incoming instanceof ObjectValue o) {
        Map<Value, Object> sub = child(at, key, source, file);
        for (Value k : o.keys()) {
          if (sub.containsKey(k)) {
            throw new BundleException(
                source + ": " + file + ": data conflicts at key " + k + " (set by two files)");
          }
          sub.put(k, o.get(k));
        }
      } else {
        throw new BundleException(
            source + ": " + file + ": data conflicts at key " + key + " (set by two files)");
      }
    }
  }

  @SuppressWarnings("unchecked") // The tree holds only values and maps built here.
  private static Map<Value, Object> child(
      Map<Value, Object> at, Value key, String source, String file) {
    Object c = at.get(key);
    if (c == null) {
      Map<Value, Object> m = new HashMap<>();
      at.put(key, m);
      return m;
    }
    if (c instanceof Map<?, ?> m) {
      return (Map<Value, Object>) m;
    }
    if (c instanceof ObjectValue o) {
      Map<Value, Object> m = new HashMap<>(o.asMap());
      at.put(key, m);
      return m;
    }
    throw new BundleException(source + ": " + file + ": data conflicts at " + key);
  }

  private static ObjectValue freeze(Map<Value, Object> tree) {
    Map<Value, Value> out = new HashMap<>();
    for (Map.Entry<Value, Object> e : tree.entrySet()) {
      out.put(e.getKey(), e.getValue() instanceof Value v ? v : freeze(asTree(e.getValue())));
    }
    return ObjectValue.wrap(out);
  }

  @SuppressWarnings("unchecked") // See child().
  private static Map<Value, Object> asTree(Object o) {
    return (Map<Value, Object>) o;
  }

  private static String keyText(Value key) {
    return key instanceof StringValue s ? s.value() : key.toString();
  }

  private static Value parseJson(String source, String file, byte[] bytes) {
    try {
      return Json.parse(utf8(source, file, bytes));
    } catch (JsonException e) {
      throw new BundleException(
          source
              + ": "
              + file
              + ":"
              + e.line()
              + ":"
              + e.column()
              + ": invalid JSON: "
              + e.getMessage());
    }
  }

  private static Value parseYaml(String source, String file, byte[] bytes) {
    try {
      return dev.vigil.rego.value.Yaml.parse(utf8(source, file, bytes));
    } catch (JsonException e) {
      String where = e.line() > 0 ? file + ":" + e.line() + ":" + e.column() : file;
      throw new BundleException(source + ": " + where + ": " + e.getMessage());
    }
  }

  private static String utf8(String source, String file, byte[] bytes) {
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT);
    try {
      return decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new BundleException(source + ": " + file + ": not UTF-8 text");
    }
  }

  private static String firstLine(Exception e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
