package dev.vigil.httpkit;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Refuses JSON text that two parsers could read two ways, before the parser that Vigil acts on
 * reads it: an object that names one member twice (RFC 8259 §4 leaves the meaning to the parser;
 * most take the last, some the first, some refuse), and a string escape of half a UTF-16 surrogate
 * pair (which some parsers keep and others replace, so that two different keys can become one).
 * Keys are compared after their escapes are decoded: {@code "a"} and {@code "\u0061"} are the same
 * key. Anything that is not RFC 8259 JSON is refused too, so that this scan and the parser after it
 * never disagree on where an object starts or ends.
 *
 * <p>Used on the documents Vigil verifies or trusts: JWS headers and payloads, JWT claims, JWK
 * sets, SPIFFE bundles, posture reports, bundle manifests and signatures, decisions. Stateless and
 * thread-safe.
 */
public final class StrictJson {

  /** Why a document was refused; the message names the document, the key and where it is. */
  public static final class Refused extends IllegalArgumentException {

    private final String key;

    Refused(String message, String key) {
      super(message);
      this.key = key;
    }

    /** Returns the key that appears twice, or null when the text is not JSON at all. */
    public String key() {
      return key;
    }
  }

  /** Deeper nesting is refused; no document Vigil checks comes near it. */
  static final int MAX_DEPTH = 256;

  private final String document;
  private final String text;
  private final Deque<String> path = new ArrayDeque<>();
  private int pos;
  private Set<String> topLevelKeys;

  private StrictJson(String document, String text) {
    this.document = document;
    this.text = text;
  }

  /**
   * Checks that {@code json} is one JSON value in which no object names a member twice.
   *
   * @param document what the text is, for the message (such as {@code "posture report header"})
   * @throws Refused naming {@code document}, the key and the path of the object holding it, or
   *     where the text stops being JSON
   */
  public static void requireUniqueKeys(String document, String json) {
    scan(document, json);
  }

  /**
   * As {@link #requireUniqueKeys}, and returns the keys of the top-level object in their order
   * (empty when the value is not an object).
   */
  public static Set<String> topLevelKeys(String document, String json) {
    Set<String> keys = scan(document, json).topLevelKeys;
    return keys == null ? Set.of() : keys;
  }

  private static StrictJson scan(String document, String json) {
    if (json == null) {
      throw new Refused(document + ": no JSON text", null);
    }
    StrictJson s = new StrictJson(document, json);
    s.space();
    s.value(0);
    s.space();
    if (s.pos != json.length()) {
      throw s.malformed("text after the JSON value");
    }
    return s;
  }

  private void value(int depth) {
    if (depth > MAX_DEPTH) {
      throw malformed("nested deeper than " + MAX_DEPTH);
    }
    if (pos >= text.length()) {
      throw malformed("the text ends where a value should start");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
        } else {
          throw malformed("unexpected character " + shown(c));
        }
      }
    }
  }

  private void object(int depth) {
    pos++;
    Set<String> keys = depth == 0 ? new LinkedHashSet<>() : new HashSet<>();
    if (depth == 0) {
      topLevelKeys = keys;
    }
    space();
    if (peek() == '}') {
      pos++;
      return;
    }
    while (true) {
      space();
      if (peek() != '"') {
        throw malformed("expected a member name in quotes");
      }
      String key = string();
      if (!keys.add(key)) {
        String where = path.isEmpty() ? "the top-level object" : "object " + String.join(".", path);
        throw new Refused(
            document
                + ": duplicate key \""
                + printable(key)
                + "\" in "
                + where
                + "; a key may appear only once",
            key);
      }
      space();
      expect(':');
      space();
      path.addLast(printable(key));
      value(depth + 1);
      path.removeLast();
      space();
      char c = next();
      if (c == '}') {
        return;
      }
      if (c != ',') {
        pos--;
        throw malformed("expected , or } after a member");
      }
    }
  }

  private void array(int depth) {
    pos++;
    space();
    if (peek() == ']') {
      pos++;
      return;
    }
    for (int i = 0; ; i++) {
      space();
      path.addLast("[" + i + "]");
      value(depth + 1);
      path.removeLast();
      space();
      char c = next();
      if (c == ']') {
        return;
      }
      if (c != ',') {
        pos--;
        throw malformed("expected , or ] after an element");
      }
    }
  }

  /** Reads a string at {@code pos} (its opening quote) and returns it with escapes decoded. */
  private String string() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw malformed("control character in a string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> sb.append(escapedUnit());
        default -> {
          pos--;
          throw malformed("unknown escape \\" + shown(e));
        }
      }
      if (e == 'u') {
        surrogates(sb);
      }
    }
  }

  /** Refuses an escaped surrogate that is not half of a pair, once the string has both halves. */
  private void surrogates(StringBuilder sb) {
    char last = sb.charAt(sb.length() - 1);
    if (Character.isHighSurrogate(last)) {
      if (!text.startsWith("\\u", pos)) {
        throw malformed("an escaped high surrogate without its low half");
      }
      pos += 2;
      char low = escapedUnit();
      if (!Character.isLowSurrogate(low)) {
        throw malformed("an escaped high surrogate without its low half");
      }
      sb.append(low);
    } else if (Character.isLowSurrogate(last)) {
      throw malformed("an escaped low surrogate without its high half");
    }
  }

  private char escapedUnit() {
    if (pos + 4 > text.length()) {
      throw malformed("a \\u escape needs four hex digits");
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
      int d = Character.digit(text.charAt(pos + i), 16);
      if (d < 0 || text.charAt(pos + i) > 'f') {
        throw malformed("a \\u escape needs four hex digits");
      }
      v = v * 16 + d;
    }
    pos += 4;
    return (char) v;
  }

  /** RFC 8259 §6: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
  private void number() {
    if (peek() == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
    } else if (!digits()) {
      throw malformed("a number needs a digit");
    }
    if (peek() == '.') {
      pos++;
      if (!digits()) {
        throw malformed("a fraction needs a digit");
      }
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      if (!digits()) {
        throw malformed("an exponent needs a digit");
      }
    }
  }

  private boolean digits() {
    int start = pos;
    while (peek() >= '0' && peek() <= '9') {
      pos++;
    }
    return pos > start;
  }

  private void literal(String word) {
    if (!text.startsWith(word, pos)) {
      throw malformed("unexpected character " + shown(text.charAt(pos)));
    }
    pos += word.length();
  }

  /** RFC 8259 §2: space, tab, line feed and carriage return only. */
  private void space() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private void expect(char c) {
    if (next() != c) {
      pos--;
      throw malformed("expected " + c);
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private char next() {
    if (pos >= text.length()) {
      pos++;
      throw malformed("the text ends inside a value");
    }
    return text.charAt(pos++);
  }

  private Refused malformed(String why) {
    return new Refused(
        document + ": not JSON at character " + Math.min(pos, text.length()) + ": " + why, null);
  }

  private static String shown(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  /** Returns a key as it may go into a message: controls escaped, at most 64 characters. */
  private static String printable(String key) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < key.length() && i < 64; i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
        sb.append(String.format("\\u%04x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return key.length() > 64 ? sb + "..." : sb.toString();
  }
}
