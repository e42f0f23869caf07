package dev.vigil.insight;

/** Makes logged text safe to print: it comes from requests and policies, not from Vigil. */
final class Texts {

  /** The most characters of one logged value shown or kept as a key. */
  static final int LONGEST = 200;

  private Texts() {}

  /** Returns {@code s} with no control characters and at most {@link #LONGEST} characters. */
  static String clean(String s) {
    if (s == null) {
      return "-";
    }
    String t = s.length() > LONGEST ? s.substring(0, LONGEST) + "..." : s;
    return t.replaceAll("\\p{Cntrl}", "?");
  }

  /** Returns {@code s} as a Graphviz DOT quoted string. */
  static String dotQuoted(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (char c : clean(s).toCharArray()) {
      if (c == '"' || c == '\\') {
        sb.append('\\');
      }
      sb.append(c);
    }
    return sb.append('"').toString();
  }
}
