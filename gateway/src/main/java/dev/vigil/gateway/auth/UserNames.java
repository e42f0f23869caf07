package dev.vigil.gateway.auth;

import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * How local user names are compared: the one key under which a name is looked up among the users
 * and counted by the {@link SignInThrottle}, so that every spelling that reaches an account counts
 * against that account, and no spelling of one account counts against another.
 *
 * <p>The key of a name is, in order: its NFKC normal form (a full-width {@code ａ} becomes {@code
 * a}, the Kelvin sign U+212A a {@code K}, the long {@code ſ} an {@code s}); the format characters
 * dropped (zero-width spaces and joiners, the soft hyphen, direction marks, variation selectors,
 * the combining grapheme joiner), which a reader cannot see; then lower case, upper case and lower
 * case again in the root locale, which folds case as Unicode's full case folding does and a little
 * more ({@code ß} and {@code ẞ} become {@code ss}, the dotless {@code ı} becomes {@code i}); a
 * dotted capital {@code İ} is folded to a plain {@code i} as well; and NFKC again. It is
 * idempotent. So {@code KATE}, {@code kate} and {@code Kate} spelt with the Kelvin sign are one
 * name, and so are {@code straße} and {@code STRASSE}.
 *
 * <p>Two configured users whose names have one key are refused ({@link LocalUsers#of}): the key
 * names one account only. Folding more than Unicode does can only merge names, never split one, so
 * a variant that another normalisation would treat as the same person is never a fresh account here
 * with a count of its own.
 */
public final class UserNames {

  /** Characters that draw nothing: Unicode format characters, variation selectors, the CGJ. */
  private static final Pattern INVISIBLE =
      Pattern.compile("[\\p{Cf}\\x{034F}\\x{FE00}-\\x{FE0F}\\x{E0100}-\\x{E01EF}]");

  private UserNames() {}

  /** Returns the key of {@code name} (see the class comment); "" for null. */
  public static String key(String name) {
    if (name == null) {
      return "";
    }
    if (isPlainAscii(name)) {
      return name.toLowerCase(Locale.ROOT);
    }
    String s = Normalizer.normalize(name, Normalizer.Form.NFKC);
    s = INVISIBLE.matcher(s).replaceAll("");
    s = s.toLowerCase(Locale.ROOT).toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    // The capital dotted I lowers to i with a combining dot above: the same letter to a reader.
    s = s.replace("i\u0307", "i");
    return Normalizer.normalize(s, Normalizer.Form.NFKC);
  }

  private static boolean isPlainAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80) {
        return false;
      }
    }
    return true;
  }
}
