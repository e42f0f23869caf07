package dev.vigil.insight;

import java.util.List;

/** Writes the pieces of a Markdown (CommonMark) report, with logged text made inert. */
final class Markdown {

  private Markdown() {}

  /**
   * Returns {@code s} cleaned ({@link Texts#clean}) with every character Markdown could read as
   * markup escaped, so that a route or subject name from a request cannot add a link, a heading or
   * a table cell.
   */
  static String text(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : Texts.clean(s).toCharArray()) {
      if ("\\`*_[]<>|~&".indexOf(c) >= 0) {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.toString();
  }

  /** A table: a header row, its rule and one row a line; cells are taken as they are. */
  static String table(List<String> header, List<List<String>> rows) {
    StringBuilder sb = new StringBuilder();
    row(sb, header);
    row(sb, header.stream().map(h -> "---").toList());
    rows.forEach(r -> row(sb, r));
    return sb.toString();
  }

  private static void row(StringBuilder sb, List<String> cells) {
    sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
  }

  /** A bullet line. */
  static String item(String s) {
    return "- " + s + "\n";
  }
}
