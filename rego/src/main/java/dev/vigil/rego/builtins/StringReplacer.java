package dev.vigil.rego.builtins;

import java.util.List;

/**
 * Replaces substrings as Go's {@code strings.Replacer}: the string is scanned once from the left;
 * at each position the first pattern (in the given order) that matches there is replaced and the
 * scan continues after it, so replacements never overlap and replaced text is not scanned again. An
 * empty pattern matches at every code point boundary, but not twice in a row.
 */
final class StringReplacer {

  private StringReplacer() {}

  /**
   * Returns {@code s} with the replacements made; {@code builtin} names the caller for {@code
   * ctx}'s size check, made before each replacement is appended, since an empty pattern replaced by
   * a long string makes a result the product of the two lengths. The scan charges {@code ctx}'s
   * time budget as it goes, for every pattern at every position ({@link TextSearch.Positions}):
   * many long patterns over a long string are the product of the three sizes.
   */
  static String replace(
      BuiltinContext ctx, String builtin, String s, List<String> olds, List<String> news) {
    TextSearch.Positions positions = new TextSearch.Positions(ctx, olds);
    StringBuilder out = new StringBuilder(s.length());
    int last = 0;
    boolean previousEmpty = false;
    int i = 0;
    while (i <= s.length()) {
      positions.step();
      int best = -1;
      for (int k = 0; k < olds.size(); k++) {
        String old = olds.get(k);
        if (old.isEmpty() && previousEmpty) {
          continue;
        }
        if (s.startsWith(old, i)) {
          best = k;
          break;
        }
      }
      previousEmpty = best >= 0 && olds.get(best).isEmpty();
      if (best >= 0) {
        ctx.checkSize(builtin, 1L + out.length() + (i - last) + news.get(best).length());
        out.append(s, last, i).append(news.get(best));
        i += olds.get(best).length();
        last = i;
        continue;
      }
      i += i < s.length() ? Character.charCount(s.codePointAt(i)) : 1;
    }
    if (last < s.length()) {
      out.append(s, last, s.length());
    }
    return out.toString();
  }
}
