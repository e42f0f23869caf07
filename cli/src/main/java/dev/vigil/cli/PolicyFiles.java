package dev.vigil.cli;

import dev.vigil.pdp.FileProblems;
import dev.vigil.rego.Source;
import dev.vigil.rego.value.Json;
import dev.vigil.rego.value.JsonException;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Loads policy and data files as {@code opa eval -d} and {@code opa test} do: {@code .rego} files
 * are modules; {@code data.json} / {@code data.yaml} files are merged into {@code data} at the path
 * of their directory relative to the root given; a data file named directly lands at the root.
 */
final class PolicyFiles {

  final List<Source> modules = new ArrayList<>();
  private Map<Value, Value> data = new HashMap<>();

  /** Loads every root; throws {@link IllegalArgumentException} naming the file that is wrong. */
  static PolicyFiles load(List<Path> roots) {
    PolicyFiles files = new PolicyFiles();
    for (Path root : roots) {
      files.loadRoot(root);
    }
    return files;
  }

  ObjectValue data() {
    return ObjectValue.wrap(data);
  }

  private void loadRoot(Path root) {
    if (!Files.exists(root)) {
      throw new IllegalArgumentException("no such file or directory: " + root);
    }
    if (Files.isRegularFile(root)) {
      loadFile(root, List.of());
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        List<String> prefix = new ArrayList<>();
        Path rel = root.relativize(p).getParent();
        if (rel != null) {
          rel.forEach(seg -> prefix.add(seg.toString()));
        }
        loadFile(p, prefix);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void loadFile(Path file, List<String> prefix) {
    String name = file.getFileName().toString();
    try {
      if (name.endsWith(".rego")) {
        modules.add(new Source(file.toString(), Files.readString(file)));
      } else if (name.equals("data.json") || isDirect(prefix, name, ".json")) {
        merge(prefix, Json.parse(Files.readString(file)), file);
      } else if (name.equals("data.yaml")
          || name.equals("data.yml")
          || isDirect(prefix, name, ".yaml")
          || isDirect(prefix, name, ".yml")) {
        merge(prefix, dev.vigil.rego.value.Yaml.parse(Files.readString(file)), file);
      }
    } catch (JsonException e) {
      String what = e.getMessage().startsWith("invalid YAML") ? "" : "invalid JSON: ";
      throw new IllegalArgumentException(CliErrors.place(file, e) + ": " + what + e.getMessage());
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(file + ": is not UTF-8 text");
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + FileProblems.reason(e));
    }
  }

  private boolean isDirect(List<String> prefix, String name, String ext) {
    return prefix.isEmpty() && name.endsWith(ext) && !name.startsWith(".");
  }

  private void merge(List<String> prefix, Value doc, Path file) {
    if (!(doc instanceof ObjectValue obj)) {
      throw new IllegalArgumentException(file + ": data file must hold an object");
    }
    Map<Value, Value> target = data;
    data = mergeAt(target, prefix, 0, obj, file);
  }

  private static Map<Value, Value> mergeAt(
      Map<Value, Value> into, List<String> path, int i, ObjectValue doc, Path file) {
    Map<Value, Value> out = new HashMap<>(into);
    if (i == path.size()) {
      for (Value k : doc.keys()) {
        Value existing = out.get(k);
        Value incoming = doc.get(k);
        if (existing instanceof ObjectValue e && incoming instanceof ObjectValue n) {
          out.put(k, ObjectValue.wrap(mergeAt(new HashMap<>(e.asMap()), List.of(), 0, n, file)));
        } else if (existing != null) {
          throw new IllegalArgumentException(file + ": data conflicts at key " + k);
        } else {
          out.put(k, incoming);
        }
      }
      return out;
    }
    StringValue key = StringValue.of(path.get(i));
    Value existing = out.get(key);
    Map<Value, Value> child;
    if (existing == null) {
      child = new HashMap<>();
    } else if (existing instanceof ObjectValue o) {
      child = new HashMap<>(o.asMap());
    } else {
      throw new IllegalArgumentException(file + ": data conflicts at key " + key);
    }
    out.put(key, ObjectValue.wrap(mergeAt(child, path, i + 1, doc, file)));
    return out;
  }
}
