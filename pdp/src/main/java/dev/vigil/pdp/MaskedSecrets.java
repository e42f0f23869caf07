package dev.vigil.pdp;

import dev.vigil.rego.value.ArrayValue;
import dev.vigil.rego.value.NumberValue;
import dev.vigil.rego.value.ObjectValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The texts of one input's masked and erased fields, to find them again in values a policy computed
 * from them: {@code lower(input.request.headers.authorization)}, a substring of it, a {@code
 * concat} or {@code sprintf} with it, or a comprehension that collects it. Masking by path hides
 * the field and its copies; this hides what was derived from it, by its text.
 *
 * <p>A value reveals a secret when one of its strings contains the secret's text, ignoring case, or
 * is a piece of the secret at least {@link #MIN_PIECE} characters long. A secret shorter than
 * {@link #MIN_PIECE} is matched only whole, so that masking a short field does not hide every value
 * that happens to share a letter with it. A value computed so that the secret's text is gone (a
 * hash, decoded base64, a JWT's claims) is not recognised: docs/decision-point.md says so.
 *
 * <p>Immutable and thread-safe.
 */
final class MaskedSecrets {

  /** The shortest piece of a secret that is hidden on its own, and the shortest secret searched. */
  static final int MIN_PIECE = 6;

  static final MaskedSecrets NONE = new MaskedSecrets(List.of());

  /** Lower-cased, longest first, so that replacing text removes the longer secret whole. */
  private final List<String> texts;

  private MaskedSecrets(List<String> texts) {
    this.texts = texts;
  }

  /** Collects the strings and numbers inside the hidden values. */
  static MaskedSecrets of(Collection<Value> hidden) {
    if (hidden.isEmpty()) {
      return NONE;
    }
    List<String> out = new ArrayList<>();
    for (Value v : hidden) {
      collect(v, out);
    }
    out.sort((a, b) -> Integer.compare(b.length(), a.length()));
    return out.isEmpty() ? NONE : new MaskedSecrets(List.copyOf(out));
  }

  private static void collect(Value v, List<String> out) {
    switch (v) {
      case StringValue s -> add(s.value(), out);
      case NumberValue n -> add(n.toString(), out);
      case ArrayValue a -> a.elements().forEach(e -> collect(e, out));
      case SetValue s -> s.elements().forEach(e -> collect(e, out));
      case ObjectValue o -> o.forEach((k, e) -> collect(e, out));
      default -> {
        // true, false and null are not secrets: hiding every boolean would hide every condition.
      }
    }
  }

  private static void add(String s, List<String> out) {
    String t = s.toLowerCase(Locale.ROOT);
    if (!t.isBlank() && !out.contains(t)) {
      out.add(t);
    }
  }

  boolean isEmpty() {
    return texts.isEmpty();
  }

  /** Returns true when a string, number, or object key anywhere in {@code v} reveals a secret. */
  boolean reveals(Value v) {
    if (texts.isEmpty() || v == null) {
      return false;
    }
    return switch (v) {
      case StringValue s -> reveals(s.value());
      case NumberValue n -> reveals(n.toString());
      case ArrayValue a -> a.elements().stream().anyMatch(this::reveals);
      case SetValue s -> s.elements().stream().anyMatch(this::reveals);
      case ObjectValue o -> o.keys().stream().anyMatch(k -> reveals(k) || reveals(o.get(k)));
      default -> false;
    };
  }

  /** Returns true when the text contains a secret or is a long enough piece of one. */
  boolean reveals(String text) {
    if (texts.isEmpty() || text.isEmpty()) {
      return false;
    }
    String t = text.toLowerCase(Locale.ROOT);
    for (String secret : texts) {
      if (secret.length() < MIN_PIECE) {
        if (t.equals(secret)) {
          return true;
        }
      } else if (t.contains(secret) || (t.length() >= MIN_PIECE && secret.contains(t))) {
        return true;
      }
    }
    return false;
  }

  /** Returns {@code v} with every string (or key) that reveals a secret replaced by the mark. */
  Value scrub(Value v) {
    if (texts.isEmpty() || v == null || !reveals(v)) {
      return v;
    }
    StringValue mark = StringValue.of(Masking.REDACTED);
    return switch (v) {
      case StringValue s -> mark;
      case NumberValue n -> mark;
      case ArrayValue a -> ArrayValue.of(a.elements().stream().map(this::scrub).toList());
      case SetValue s -> SetValue.of(s.elements().stream().map(this::scrub).toList());
      case ObjectValue o -> {
        Map<Value, Value> m = new LinkedHashMap<>();
        o.forEach((k, e) -> m.put(reveals(k) ? mark : k, scrub(e)));
        yield ObjectValue.of(m);
      }
      default -> v;
    };
  }

  /**
   * Replaces every occurrence of a secret in free text (an explanation, a reason, an error
   * message), ignoring case; the net under the checks made per operand.
   */
  String scrubText(String text) {
    if (texts.isEmpty() || text == null) {
      return text;
    }
    String out = text;
    for (String secret : texts) {
      if (secret.length() >= MIN_PIECE || out.toLowerCase(Locale.ROOT).equals(secret)) {
        out =
            Pattern.compile(Pattern.quote(secret), Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE)
                .matcher(out)
                .replaceAll(Matcher.quoteReplacement(Masking.REDACTED));
      }
    }
    return out;
  }
}
