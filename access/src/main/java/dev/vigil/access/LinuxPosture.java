package dev.vigil.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Collects the posture of the Linux machine it runs on from files alone (no commands are run):
 * {@code /etc/os-release}, the package databases' modification times, {@code /proc/mounts} and the
 * device-mapper tables under {@code /sys/block}, and the process names in {@code /proc}. Facts it
 * cannot establish stay null. The root is a parameter so that tests can give a prepared tree.
 */
public final class LinuxPosture {

  /** Process names of common EDR agents. */
  public static final Set<String> EDR_PROCESSES =
      Set.of(
          "falcon-sensor",
          "sentinelagent",
          "SentinelAgent",
          "wdavdaemon",
          "mdatp",
          "cbagentd",
          "elastic-endpoint",
          "wazuh-agentd",
          "osqueryd",
          "velociraptor",
          "ds_agent",
          "cylancesvc");

  private static final List<String> PACKAGE_DATABASES =
      List.of(
          "var/lib/dpkg/status",
          "var/lib/rpm/rpmdb.sqlite",
          "var/lib/rpm/Packages",
          "var/lib/pacman/local",
          "lib/apk/db/installed");

  private final Path root;

  public LinuxPosture(Path root) {
    this.root = root;
  }

  /** Collects the facts as of {@code now}; {@code edrProcesses} are the agents to look for. */
  public Posture collect(Instant now, Set<String> edrProcesses) {
    return new Posture(
        "linux", osVersion(), patchAgeDays(now), diskEncrypted(), edrRunning(edrProcesses), null);
  }

  String osVersion() {
    String name = null;
    String version = null;
    for (String line : lines(root.resolve("etc/os-release"))) {
      int eq = line.indexOf('=');
      if (eq < 0) {
        continue;
      }
      String v = line.substring(eq + 1).strip().replaceAll("^\"|\"$", "");
      switch (line.substring(0, eq).strip()) {
        case "PRETTY_NAME" -> {
          return v;
        }
        case "NAME" -> name = v;
        case "VERSION_ID" -> version = v;
        default -> {}
      }
    }
    return name == null ? null : version == null ? name : name + " " + version;
  }

  /** Days since the package database last changed: an install or upgrade of any package. */
  Integer patchAgeDays(Instant now) {
    Instant newest = null;
    for (String db : PACKAGE_DATABASES) {
      try {
        Instant t = Files.getLastModifiedTime(root.resolve(db)).toInstant();
        newest = newest == null || t.isAfter(newest) ? t : newest;
      } catch (IOException e) {
        // Not this distribution's package manager.
      }
    }
    return newest == null ? null : (int) Math.max(0, Duration.between(newest, now).toDays());
  }

  /** Whether "/" sits on dm-crypt, directly or below LVM; null when "/" is not a block device. */
  Boolean diskEncrypted() {
    String source = null;
    for (String line : lines(root.resolve("proc/mounts"))) {
      String[] f = line.split(" ");
      if (f.length > 2 && f[1].equals("/")) {
        source = f[0];
      }
    }
    if (source == null || !source.startsWith("/dev/")) {
      return null;
    }
    String dev = source.substring("/dev/".length());
    if (dev.startsWith("mapper/")) {
      dev = dmByName(dev.substring("mapper/".length()));
    }
    return dev != null && crypt(dev, 0);
  }

  private String dmByName(String name) {
    try (Stream<Path> blocks = Files.list(root.resolve("sys/block"))) {
      return blocks
          .filter(b -> firstLine(b.resolve("dm/name")).equals(name))
          .map(b -> b.getFileName().toString())
          .findFirst()
          .orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  private boolean crypt(String dev, int depth) {
    Path block = root.resolve("sys/block").resolve(dev);
    if (firstLine(block.resolve("dm/uuid")).startsWith("CRYPT-")) {
      return true;
    }
    if (depth > 8) {
      return false;
    }
    try (Stream<Path> slaves = Files.list(block.resolve("slaves"))) {
      return slaves.anyMatch(s -> crypt(s.getFileName().toString(), depth + 1));
    } catch (IOException e) {
      return false;
    }
  }

  boolean edrRunning(Set<String> names) {
    try (Stream<Path> procs = Files.list(root.resolve("proc"))) {
      return procs
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .anyMatch(p -> names.contains(firstLine(p.resolve("comm"))));
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> lines(Path p) {
    try {
      return Files.readAllLines(p);
    } catch (IOException e) {
      return List.of();
    }
  }

  private static String firstLine(Path p) {
    List<String> l = lines(p);
    return l.isEmpty() ? "" : l.get(0).strip();
  }
}
