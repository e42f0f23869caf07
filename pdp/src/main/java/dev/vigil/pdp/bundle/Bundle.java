package dev.vigil.pdp.bundle;

import dev.vigil.rego.value.ObjectValue;
import java.util.List;
import java.util.Map;

/**
 * An OPA-format bundle, read and checked: its manifest, Rego modules and merged data.
 *
 * @param source where it came from, for messages
 * @param manifest the {@code .manifest}, or the default one when the bundle has none
 * @param modules Rego file path (relative to the bundle root) to source text, in path order
 * @param data the merged base document from every {@code data.json} / {@code data.yaml}
 * @param files every file of the bundle, raw, by path: what signatures cover
 */
public record Bundle(
    String source,
    Manifest manifest,
    Map<String, String> modules,
    ObjectValue data,
    Map<String, byte[]> files) {

  /**
   * The bundle's {@code .manifest}.
   *
   * @param revision the revision string, empty when not set
   * @param roots the paths under {@code data} the bundle owns; {@code [""]} owns everything
   * @param metadata free-form metadata
   * @param regoVersion 0 or 1 when the manifest sets {@code rego_version}, otherwise null
   */
  public record Manifest(
      String revision, List<String> roots, ObjectValue metadata, Integer regoVersion) {

    public static Manifest defaults() {
      return new Manifest("", List.of(""), ObjectValue.EMPTY, null);
    }

    /**
     * Returns the root that overlaps a slash path (the path lies under it, or it lies under the
     * path), or null when the bundle does not own any part of the path.
     */
    public String overlappingRoot(String path) {
      for (String root : roots) {
        if (BundleReader.under(path, root) || BundleReader.under(root, path)) {
          return root;
        }
      }
      return null;
    }
  }
}
