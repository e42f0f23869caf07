package dev.vigil.rego.value;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/** Thrown when text is not the JSON expected; carries the line and column (1-based, 0 if none). */
public final class JsonException extends RuntimeException {

  private final int line;
  private final int column;

  public JsonException(String message, int line, int column) {
    super(message);
    this.line = line;
    this.column = column;
  }

  static JsonException from(JsonProcessingException e) {
    return at(e, e.getLocation());
  }

  /** For a broken parser limit, which Jackson reports without a location: {@code where} is it. */
  static JsonException limit(JsonProcessingException e, JsonLocation where) {
    return at(e, e.getLocation() != null ? e.getLocation() : where);
  }

  private static JsonException at(JsonProcessingException e, JsonLocation loc) {
    String msg = e.getOriginalMessage();
    int nl = msg == null ? -1 : msg.indexOf('\n');
    if (nl > 0) {
      msg = msg.substring(0, nl);
    }
    if (msg != null) {
      // Jackson names its own settings in hints ("(from `StreamReadConstraints...`)",
      // "enable `JsonReadFeature...`"), which mean nothing to a user of Vigil.
      // It also describes where an unclosed object or array began by its source, which it hides
      // ("[Source: REDACTED (`StreamReadFeature...` disabled); line: 1, column: 1]").
      msg =
          msg.replaceAll(
                  "\\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]", "line $1, column $2")
              .replaceAll(", from `[^`]*`", "")
              .replaceAll("\\s*\\(from `[^`]*`\\)", "")
              .replaceAll(";?\\s*(use|enable|disable) `[^`]*`[^.]*\\.?", "")
              .replace("Document nesting depth", "JSON nesting depth")
              .replaceAll("[:;,]\\s*$", "")
              .strip();
    }
    return new JsonException(
        msg == null ? "invalid JSON" : msg,
        loc == null ? 0 : loc.getLineNr(),
        loc == null ? 0 : loc.getColumnNr());
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
