package dev.vigil.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory for the life of one {@code vigil up}. Two processes on one
 * directory would each create the keys they find missing and overwrite the other's, leaving CA keys
 * encrypted under a key that no longer exists. The operating system releases the lock when the
 * process ends, even on a crash, so a stale lock file never blocks a start.
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
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      ch.close();
      throw new IllegalStateException(
          "data directory "
              + dir.toAbsolutePath()
              + " is in use by another vigil up (it holds "
              + file.getFileName()
              + "); stop it first or give another --data-dir");
    }
    return new DataDirLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
