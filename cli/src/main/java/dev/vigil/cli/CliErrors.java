package dev.vigil.cli;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.JsonException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** Turns failures into the one-line messages users see; never a stack trace. */
final class CliErrors {

  private CliErrors() {}

  /** Prints each Rego error as {@code file:line:col: code: message}. */
  static void print(RegoException e, PrintWriter err) {
    for (RegoError error : e.errors()) {
      err.println(format(error));
    }
  }

  static String format(RegoError error) {
    if (error.location() == null || error.location().line() == 0) {
      return error.code() + ": " + error.message();
    }
    return error.location() + ": " + error.code() + ": " + error.message();
  }

  /** Returns {@code file:line:col}, or just the file when the place is unknown. */
  static String place(java.nio.file.Path file, JsonException e) {
    return e.line() > 0 ? file + ":" + e.line() + ":" + e.column() : file.toString();
  }

  /** Describes an unexpected failure in one line. */
  static String describe(Throwable e) {
    if (e instanceof UncheckedIOException u) {
      e = u.getCause();
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file: " + n.getFile();
    }
    if (e instanceof IOException) {
      return "cannot read: " + e.getMessage();
    }
    if (e instanceof JsonException j) {
      return "invalid JSON at " + j.line() + ":" + j.column() + ": " + j.getMessage();
    }
    if (e instanceof StackOverflowError) {
      return "input nested too deeply";
    }
    String m = e.getMessage();
    return m == null ? e.getClass().getSimpleName() : m;
  }
}
