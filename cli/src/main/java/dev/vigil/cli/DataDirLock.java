package dev.vigil.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory, or on an SQLite store, for the life of one {@code vigil
 * up}. Two processes on one directory would each create the keys they find missing and overwrite
 * the other's, leaving CA keys encrypted under a key that no longer exists. The operating system
 * releases the lock when the process ends, even on a crash, so a stale lock file never blocks a
 * start.
 */
final class DataDirLock implements AutoCloseable {

  static final String FILE = "vigil.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock, or throws IllegalStateException naming the directory when it is held. */
  static DataDirLock acquire(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    return acquire(
        file,
        "data directory "
            + dir.toAbsolutePath()
            + " is in use by another vigil up (it holds "
            + file.getFileName()
            + "); stop it first or give another --data-dir");
  }

  /**
   * Takes the lock of an SQLite store ({@code FILE.lock} beside it), which serves one node: SQLite
   * has no change feed, so nodes sharing the file would never learn each other's sign-outs. The
   * file itself is not locked, since SQLite holds its own locks on it.
   */
  static DataDirLock acquireSqlite(Path sqliteFile) throws IOException {
    Path file = sqliteFile.resolveSibling(sqliteFile.getFileName() + ".lock");
    return acquire(
        file,
        "store "
            + sqliteFile
            + " is in use by another vigil up (it holds "
            + file.getFileName()
            + "); an SQLite store serves one node: give nodes that share a store a PostgreSQL one"
            + " (docs/configuration.md)");
  }

  private static DataDirLock acquire(Path file, String inUse) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IllegalStateException(inUse);
    }
    return new DataDirLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
