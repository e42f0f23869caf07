package dev.vigil.cli;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.value.JsonException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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
    // A wrapper whose message is only its cause's class and message says it in the cause's words.
    if (e.getCause() != null
        && e.getCause() != e
        && String.valueOf(e.getCause()).equals(e.getMessage())) {
      return describe(e.getCause());
    }
    if (e instanceof NoSuchFileException n) {
      return "no such file: " + n.getFile();
    }
    if (e instanceof FileSystemException f && f.getFile() != null) {
      return fileProblem(f);
    }
    if (e instanceof IOException) {
      return "input/output error: " + e.getMessage();
    }
    if (e instanceof JsonException j) {
      return j.line() > 0
          ? "invalid JSON at " + j.line() + ":" + j.column() + ": " + j.getMessage()
          : "invalid JSON: " + j.getMessage();
    }
    if (e instanceof StackOverflowError) {
      return "input nested too deeply";
    }
    // A failure without words of its own takes its cause's; one with none at all still says
    // what happened instead of leaving "vigil:" bare or naming a class.
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) {
        return t == e ? m : describe(t);
      }
    }
    return "internal error ("
        + e.getClass().getSimpleName()
        + " without a message); please report it with the command that caused it";
  }

  /** Names the file and what is wrong with it: writes fail here as often as reads. */
  private static String fileProblem(FileSystemException f) {
    String file = f.getFile();
    if (f instanceof FileAlreadyExistsException) {
      return Files.isDirectory(Path.of(file))
          ? file + ": already exists"
          : file + ": already exists as a file";
    }
    return file + ": " + dev.vigil.pdp.FileProblems.reason(f);
  }
}
