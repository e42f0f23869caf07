package dev.vigil.rego.ast;

/** A place in Rego source: file name (may be empty for queries), 1-based line and column. */
public record Location(String file, int line, int column) {

  public static final Location NONE = new Location("", 0, 0);

  /** Returns {@code file:line}, as OPA prints locations in error messages. */
  public String shortForm() {
    return file.isEmpty() ? Integer.toString(line) : file + ":" + line;
  }

  @Override
  public String toString() {
    return (file.isEmpty() ? "" : file + ":") + line + ":" + column;
  }
}
