package dev.vigil.identity.agent;

import dev.vigil.identity.Selector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * Turns a caller's peer credentials into the selectors registration entries are matched against:
 * {@code unix:uid:N}, {@code unix:gid:N} and, when {@code /proc/PID/exe} can be read, {@code
 * unix:path:/EXE}. Extra selectors (such as {@code label:} ones for tests) may be granted to
 * callers by uid.
 */
public interface Attestor {

  /** Returns the selectors the caller shows. */
  Set<Selector> attest(int pid, int uid, int gid);

  /** The Unix attestor. */
  static Attestor unix() {
    return (pid, uid, gid) -> {
      Set<Selector> out = new HashSet<>();
      out.add(new Selector("unix", "uid:" + uid));
      out.add(new Selector("unix", "gid:" + gid));
      try {
        Path exe = Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe"));
        out.add(new Selector("unix", "path:" + exe));
      } catch (IOException | UnsupportedOperationException e) {
        // No executable selector: entries that need one do not match this caller.
      }
      return Set.copyOf(out);
    };
  }
}
