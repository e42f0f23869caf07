package dev.vigil.pdp;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Says in words why a file could not be read or written. The JDK's file exceptions carry only the
 * path as their message ({@code NoSuchFileException: /etc/vigil/token.tmp}), so a message built
 * from {@code getMessage()} repeats the path and hides the reason, and one built from {@code
 * toString()} shows a class name; every command and listener that reports a file fault uses this
 * instead, so that the same fault reads the same everywhere.
 *
 * <p>Thread-safe: no state.
 */
public final class FileProblems {

  private FileProblems() {}

  /**
   * Returns the reason alone, lower case, without the path: {@code no such file or directory},
   * {@code permission denied}, {@code read-only file system} ...
   */
  public static String reason(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NotDirectoryException) {
      return "a part of the path is not a directory";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists";
    }
    if (e instanceof DirectoryNotEmptyException) {
      return "is a directory that is not empty";
    }
    if (e instanceof CharacterCodingException) {
      return "not UTF-8 text";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason().toLowerCase(Locale.ROOT);
    }
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      return "input/output error";
    }
    // The system's own words ("Is a directory") start a sentence; Vigil's messages are lower case.
    return m.length() > 1 && Character.isLowerCase(m.charAt(1))
        ? Character.toLowerCase(m.charAt(0)) + m.substring(1)
        : m;
  }

  /**
   * Returns {@code TARGET: reason}, naming the file the user gave rather than the temporary file or
   * folder the failure was met on: {@code /etc/vigil/token: folder /etc/vigil does not exist},
   * {@code out/b.tar.gz: cannot write in folder out: permission denied}.
   */
  public static String describe(Path target, IOException e) {
    Path parent = target.toAbsolutePath().normalize().getParent();
    Path met =
        e instanceof FileSystemException f && f.getFile() != null
            ? Path.of(f.getFile()).toAbsolutePath().normalize()
            : null;
    if (met == null || met.equals(target.toAbsolutePath().normalize()) || parent == null) {
      return target + ": " + reason(e);
    }
    if (e instanceof NoSuchFileException && !Files.isDirectory(parent)) {
      return target + ": folder " + parent + " does not exist";
    }
    if (met.equals(parent) && Files.exists(parent) && !Files.isDirectory(parent)) {
      return target + ": " + parent + " is a file, not a folder";
    }
    if (met.equals(parent) || parent.equals(met.getParent())) {
      return target + ": cannot write in folder " + parent + ": " + reason(e);
    }
    return target + ": " + met + ": " + reason(e);
  }
}
