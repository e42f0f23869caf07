package dev.vigil.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Posture collection from a prepared file tree laid out like a Linux root. */
class LinuxPostureTest {

  @TempDir Path root;
  final Instant now = Instant.parse("2026-12-04T10:00:00Z");

  private void write(String path, String text) throws Exception {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.writeString(p, text);
  }

  @Test
  void collect_luksBelowLvm_diskEncryptedAndFactsRead() throws Exception {
    write(
        "etc/os-release",
        "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\n");
    write("var/lib/dpkg/status", "Package: x\n");
    Files.setLastModifiedTime(
        root.resolve("var/lib/dpkg/status"), FileTime.from(now.minus(Duration.ofDays(9))));
    write("proc/mounts", "overlay /x overlay rw 0 0\n/dev/mapper/vg-root / ext4 rw 0 0\n");
    write("sys/block/dm-1/dm/name", "vg-root\n");
    write("sys/block/dm-1/dm/uuid", "LVM-abc\n");
    Files.createDirectories(root.resolve("sys/block/dm-1/slaves/dm-0"));
    write("sys/block/dm-0/dm/uuid", "CRYPT-LUKS2-1234-luks\n");
    write("proc/4242/comm", "falcon-sensor\n");

    Posture p = new LinuxPosture(root).collect(now, LinuxPosture.EDR_PROCESSES);

    assertThat(p.os()).isEqualTo("linux");
    assertThat(p.osVersion()).isEqualTo("Debian GNU/Linux 13 (trixie)");
    assertThat(p.patchAgeDays()).isEqualTo(9);
    assertThat(p.diskEncrypted()).isTrue();
    assertThat(p.edrRunning()).isTrue();
    assertThat(p.screenLock()).isNull();
  }

  @Test
  void collect_plainPartitionAndNoAgent_notEncryptedNoEdr() throws Exception {
    write("etc/os-release", "NAME=Fedora\nVERSION_ID=41\n");
    write("proc/mounts", "/dev/nvme0n1p2 / ext4 rw 0 0\n");
    Files.createDirectories(root.resolve("sys/block/nvme0n1"));
    write("proc/1/comm", "systemd\n");

    Posture p = new LinuxPosture(root).collect(now, Set.of("falcon-sensor"));

    assertThat(p.osVersion()).isEqualTo("Fedora 41");
    assertThat(p.diskEncrypted()).isFalse();
    assertThat(p.edrRunning()).isFalse();
    assertThat(p.patchAgeDays()).isNull();
  }

  @Test
  void collect_rootOnOverlay_diskEncryptionUnknownAndLeftOut() throws Exception {
    write("proc/mounts", "overlay / overlay rw 0 0\n");

    Posture p = new LinuxPosture(root).collect(now, Set.of());

    assertThat(p.diskEncrypted()).isNull();
    assertThat(p.toMap()).doesNotContainKey("disk_encrypted").containsKey("os");
  }
}
