package dev.vigil.console;

import java.util.List;

/**
 * Builds the console's pages as plain HTML. Every value that did not come from this file goes
 * through {@link #text}, which escapes it for element content and quoted attributes alike.
 */
final class Html {

  private static final String STYLE =
      "body{font:14px system-ui,sans-serif;margin:0;color:#222}"
          + "nav{background:#1d2b3a;padding:8px 16px;display:flex;gap:16px;align-items:center}"
          + "nav a{color:#fff;text-decoration:none}nav form{margin-left:auto}"
          + "main{padding:16px}table{border-collapse:collapse}"
          + "td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;"
          + "vertical-align:top}pre{background:#f4f4f4;padding:8px;overflow:auto}"
          + ".deny{color:#a40000;font-weight:bold}.allow{color:#1a6b1a}"
          + "[role=alert]{color:#a40000}label{margin-right:12px}";

  private Html() {}

  /** Escapes text for HTML element content and double-quoted attribute values. */
  static String text(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> {
          // A control character (NUL above all) has no place in a page: shown as the
          // replacement character, so an odd input stays visible without reaching the browser.
          boolean control = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
          sb.append(control ? '\uFFFD' : c);
        }
      }
    }
    return sb.toString();
  }

  /** Returns a whole page: the navigation when someone is signed in, then the body. */
  static String page(String title, String user, String csrf, String body) {
    StringBuilder sb = new StringBuilder();
    sb.append("<!doctype html><html lang=en><meta charset=utf-8>")
        .append("<meta name=viewport content=\"width=device-width\">")
        .append("<title>Vigil console · ")
        .append(text(title))
        .append("</title><style>")
        .append(STYLE)
        .append("</style>");
    if (user != null) {
      sb.append("<nav><a href=/console/decisions>Decisions</a><a href=/console/routes>Routes</a>")
          .append("<a href=/console/rollout>Rollout</a>")
          .append("<a href=/console/identity>Trust domains</a><a href=/console/access>Access</a>")
          .append("<a href=/console/health>Health</a>")
          .append("<form method=post action=/console/logout>")
          .append(hidden("csrf", csrf))
          .append("<button type=submit>Sign out ")
          .append(text(user))
          .append("</button></form></nav>");
    }
    sb.append("<main><h1>").append(text(title)).append("</h1>").append(body).append("</main>\n");
    return sb.toString();
  }

  static String hidden(String name, String value) {
    return "<input type=hidden name=\"" + text(name) + "\" value=\"" + text(value) + "\">";
  }

  /** Returns a table; cells are HTML already (escape values with {@link #text} first). */
  static String table(List<String> headings, List<List<String>> rows) {
    StringBuilder sb = new StringBuilder("<table><thead><tr>");
    headings.forEach(h -> sb.append("<th>").append(text(h)).append("</th>"));
    sb.append("</tr></thead><tbody>");
    for (List<String> row : rows) {
      sb.append("<tr>");
      row.forEach(c -> sb.append("<td>").append(c).append("</td>"));
      sb.append("</tr>");
    }
    return sb.append("</tbody></table>").toString();
  }

  /** Returns a definition list of label and HTML value pairs. */
  static String fields(List<String[]> pairs) {
    StringBuilder sb = new StringBuilder("<table>");
    for (String[] p : pairs) {
      sb.append("<tr><th>")
          .append(text(p[0]))
          .append("</th><td>")
          .append(p[1])
          .append("</td></tr>");
    }
    return sb.append("</table>").toString();
  }

  static String alert(String message) {
    return message == null ? "" : "<p role=alert>" + text(message) + "</p>";
  }
}
