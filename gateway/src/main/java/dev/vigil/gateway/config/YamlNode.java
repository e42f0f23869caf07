package dev.vigil.gateway.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A YAML node that remembers where it was written, so that every configuration error can say {@code
 * file:line: key: what is wrong}. Reading a mapping checks that every key is known.
 */
public final class YamlNode {

  private final String file;
  private final String key;
  private final Node node;

  private YamlNode(String file, String key, Node node) {
    this.file = file;
    this.key = key;
    this.node = node;
  }

  /** Returns a node that stands for a missing key. */
  public static YamlNode missing() {
    return new YamlNode("", "", null);
  }

  /** Reads a YAML file; an empty file is an empty mapping. */
  public static YamlNode read(Path path) {
    LoaderOptions opts = new LoaderOptions();
    opts.setMaxAliasesForCollections(10);
    opts.setAllowDuplicateKeys(false);
    opts.setCodePointLimit(4 * 1024 * 1024);
    if (Files.isDirectory(path)) {
      throw new ConfigException(path + ": is a directory, not a configuration file");
    }
    try (Reader r = Files.newBufferedReader(path)) {
      Node n = new Yaml(opts).compose(r);
      return new YamlNode(path.toString(), "", n);
    } catch (MarkedYAMLException e) {
      // One line, file:line:column first, instead of SnakeYAML's several with their own marks.
      String where =
          e.getProblemMark() == null
              ? path.toString()
              : path
                  + ":"
                  + (e.getProblemMark().getLine() + 1)
                  + ":"
                  + (e.getProblemMark().getColumn() + 1);
      String problem = e.getProblem() == null ? e.getMessage() : e.getProblem();
      throw new ConfigException(where + ": invalid YAML: " + firstLine(problem));
    } catch (CharacterCodingException e) {
      throw new ConfigException(path + ": is not UTF-8 text");
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ConfigException(path + ": no such file");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new ConfigException(path + ": cannot read: permission denied");
    } catch (IOException e) {
      throw new ConfigException(path + ": cannot read: " + e.getMessage());
    } catch (RuntimeException e) {
      if (e.getCause() instanceof CharacterCodingException) {
        throw new ConfigException(path + ": is not UTF-8 text");
      }
      throw new ConfigException(path + ": invalid YAML: " + firstLine(e.getMessage()));
    }
  }

  /** The first line of a parser's message, without a closing full stop. */
  static String firstLine(String message) {
    if (message == null || message.isBlank()) {
      return "the text is not YAML";
    }
    String line = message.strip().lines().findFirst().orElse("").strip();
    return line.endsWith(".") ? line.substring(0, line.length() - 1) : line;
  }

  /** Returns the line this node starts on, 0 when it is missing. */
  public int line() {
    return node == null ? 0 : node.getStartMark().getLine() + 1;
  }

  /** Returns an error naming this node's place and key. */
  public ConfigException error(String message) {
    return new ConfigException(place() + ": " + message);
  }

  /**
   * Returns where this node is written, as an error about it starts: {@code file:line: key}, or
   * {@code file:line} for the document itself.
   */
  public String place() {
    return file + ":" + line() + (key.isEmpty() ? "" : ": " + key);
  }

  /** Returns the node's key, dotted from the top ({@code gateway.tls_cert}), empty for the top. */
  public String key() {
    return key;
  }

  public boolean isMissing() {
    return node == null
        || (node instanceof ScalarNode s && s.getTag().getValue().endsWith(":null"));
  }

  /** Returns the entries of a mapping, refusing keys that are not in {@code known}. */
  public Map<String, YamlNode> mapping(Set<String> known) {
    if (isMissing()) {
      return Map.of();
    }
    if (!(node instanceof MappingNode m)) {
      throw error("expected a mapping of keys to values");
    }
    Map<String, YamlNode> out = new LinkedHashMap<>();
    // compose() keeps every entry, so a repeated key would silently win over the first one.
    Map<String, Integer> firstLine = new LinkedHashMap<>();
    for (NodeTuple t : m.getValue()) {
      if (!(t.getKeyNode() instanceof ScalarNode k)) {
        throw error("keys must be plain strings");
      }
      String name = k.getValue();
      String full = key.isEmpty() ? name : key + "." + name;
      if (known != null && !known.contains(name)) {
        throw new YamlNode(file, full, t.getKeyNode())
            .error("unknown key; expected one of " + known.stream().sorted().toList());
      }
      YamlNode keyNode = new YamlNode(file, full, k);
      Integer first = firstLine.putIfAbsent(name, keyNode.line());
      if (first != null) {
        throw keyNode.error("given twice (first on line " + first + ")");
      }
      out.put(name, new YamlNode(file, full, t.getValueNode()));
    }
    return out;
  }

  /** Returns true when the node is a mapping of keys to values. */
  public boolean isMapping() {
    return node instanceof MappingNode;
  }

  /** Returns true when the node is a list. */
  public boolean isSequence() {
    return node instanceof SequenceNode;
  }

  /** Returns the items of a sequence. */
  public List<YamlNode> sequence() {
    if (isMissing()) {
      return List.of();
    }
    if (!(node instanceof SequenceNode s)) {
      throw error("expected a list");
    }
    List<YamlNode> out = new ArrayList<>();
    int i = 0;
    for (Node n : s.getValue()) {
      out.add(new YamlNode(file, key + "[" + i++ + "]", n));
    }
    return out;
  }

  /** Returns a scalar as text. */
  public String string() {
    if (!(node instanceof ScalarNode s)) {
      String slip = writtenAsKey();
      if (slip != null) {
        throw error(
            "expected a string, not \""
                + slip
                + ":\", which YAML reads as a key (a colon followed by a space, or by nothing,"
                + " starts one): put the value in quotes");
      }
      throw error("expected a string");
    }
    return s.getValue();
  }

  /**
   * Returns the key of a mapping of one entry with a plain key, such as the {@code group} of {@code
   * [group:]}: a string with a colon YAML read as a key and value. Null for any other node.
   */
  public String writtenAsKey() {
    if (node instanceof MappingNode m
        && m.getValue().size() == 1
        && m.getValue().get(0).getKeyNode() instanceof ScalarNode k) {
      return k.getValue();
    }
    return null;
  }

  public String string(String fallback) {
    return isMissing() ? fallback : string();
  }

  /** Returns a list of strings. */
  public List<String> strings() {
    List<String> out = new ArrayList<>();
    for (YamlNode n : sequence()) {
      out.add(n.string());
    }
    return out;
  }

  public boolean bool(boolean fallback) {
    if (isMissing()) {
      return fallback;
    }
    String v = string();
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw error("expected true or false, not \"" + v + "\"");
    };
  }

  /** Returns a mapping of string to string. */
  public Map<String, String> stringMap() {
    return stringMap(null);
  }

  /** Returns a mapping of string to string, refusing keys that are not in {@code known}. */
  public Map<String, String> stringMap(Set<String> known) {
    Map<String, String> out = new LinkedHashMap<>();
    mapping(known).forEach((k, v) -> out.put(k, v.string()));
    return out;
  }
}
