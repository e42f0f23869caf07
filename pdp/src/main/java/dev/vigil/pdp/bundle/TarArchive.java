package dev.vigil.pdp.bundle;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the gzipped tar files that OPA bundles travel in (POSIX ustar, with GNU long
 * names and pax path records on read).
 *
 * <p>Reading is bounded: total size, file size and entry count have limits, and only regular files
 * are kept (directories are skipped; links and devices refuse the archive), so a hostile archive
 * cannot exhaust memory or write outside the bundle.
 */
final class TarArchive {

  private static final int BLOCK = 512;

  /**
   * Limits on what an archive may hold.
   *
   * @param maxTotalBytes sum of the sizes of all files
   * @param maxFileBytes size of one file
   * @param maxEntries number of entries
   */
  record Limits(long maxTotalBytes, long maxFileBytes, int maxEntries) {
    static Limits defaults() {
      return new Limits(512L << 20, 256L << 20, 100_000);
    }
  }

  private TarArchive() {}

  /** Reads every regular file of a gzipped tar, by path, in archive order. */
  static Map<String, byte[]> readGzip(InputStream in, Limits limits, String name) {
    try (GZIPInputStream gz = new GZIPInputStream(in, 64 * 1024)) {
      return read(gz, limits, name);
    } catch (java.util.zip.ZipException e) {
      throw new BundleException(name + ": not a gzip file: " + e.getMessage());
    } catch (EOFException e) {
      throw new BundleException(name + ": archive is truncated");
    } catch (IOException e) {
      throw new BundleException(name + ": cannot read archive: " + e.getMessage());
    }
  }

  private static Map<String, byte[]> read(InputStream in, Limits limits, String name)
      throws IOException {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] header = new byte[BLOCK];
    long total = 0;
    int entries = 0;
    String longName = null;
    while (true) {
      if (!readFully(in, header)) {
        throw new BundleException(name + ": archive ends without its end-of-archive marker");
      }
      if (isZero(header)) {
        return files;
      }
      if (++entries > limits.maxEntries()) {
        throw new BundleException(name + ": more than " + limits.maxEntries() + " entries");
      }
      verifyChecksum(header, name, entries);
      char type = (char) header[156];
      long size = octal(header, 124, 12, name);
      if (size < 0 || size > limits.maxFileBytes()) {
        throw new BundleException(
            name + ": entry " + entries + " is larger than " + limits.maxFileBytes() + " bytes");
      }
      total += size;
      if (total > limits.maxTotalBytes()) {
        throw new BundleException(
            name + ": archive holds more than " + limits.maxTotalBytes() + " bytes");
      }
      byte[] body = readBody(in, size, name);
      String path = longName != null ? longName : entryName(header);
      longName = null;
      switch (type) {
        case 'L' -> longName = cString(body, 0, body.length);
        case 'x' -> longName = paxPath(body);
        case 'g', '5' -> {
          // Global pax headers and directories carry nothing a bundle needs.
        }
        case '0', '\0', '7' -> files.put(cleanPath(path, name), body);
        default ->
            throw new BundleException(
                name
                    + ": entry \""
                    + path
                    + "\" is not a regular file (type '"
                    + type
                    + "'); bundles hold only files");
      }
    }
  }

  private static byte[] readBody(InputStream in, long size, String name) throws IOException {
    byte[] body = new byte[(int) size];
    if (!readFully(in, body)) {
      throw new BundleException(name + ": archive is truncated");
    }
    long pad = (BLOCK - size % BLOCK) % BLOCK;
    if (pad > 0 && !readFully(in, new byte[(int) pad])) {
      throw new BundleException(name + ": archive is truncated");
    }
    return body;
  }

  /** Returns the path relative to the bundle root, refusing anything that climbs out of it. */
  static String cleanPath(String raw, String name) {
    String p = raw.replace('\\', '/');
    while (p.startsWith("./")) {
      p = p.substring(2);
    }
    while (p.startsWith("/")) {
      p = p.substring(1);
    }
    for (String seg : p.split("/")) {
      if (seg.equals("..")) {
        throw new BundleException(name + ": entry \"" + raw + "\" points outside the bundle");
      }
    }
    if (p.isEmpty() || p.indexOf('\0') >= 0) {
      throw new BundleException(name + ": entry has an empty or invalid name");
    }
    return p;
  }

  private static String entryName(byte[] h) {
    String n = cString(h, 0, 100);
    String magic = cString(h, 257, 6);
    if (magic.startsWith("ustar")) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        n = prefix + "/" + n;
      }
    }
    return n;
  }

  private static String paxPath(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8);
    for (String rec : text.split("\n")) {
      int sp = rec.indexOf(' ');
      if (sp > 0 && rec.startsWith("path=", sp + 1)) {
        return rec.substring(sp + 1 + "path=".length());
      }
    }
    return null;
  }

  private static void verifyChecksum(byte[] h, String name, int entry) {
    long want = octal(h, 148, 8, name);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (sum != want) {
      throw new BundleException(name + ": entry " + entry + " has a bad header checksum");
    }
  }

  private static long octal(byte[] h, int off, int len, String name) {
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && (h[i] == ' ' || h[i] == 0)) {
      i++;
    }
    for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
      if (h[i] < '0' || h[i] > '7') {
        throw new BundleException(name + ": corrupt tar header (bad number)");
      }
      v = v * 8 + (h[i] - '0');
      if (v > (1L << 40)) {
        throw new BundleException(name + ": corrupt tar header (number too large)");
      }
    }
    return v;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readFully(InputStream in, byte[] buf) throws IOException {
    int n = 0;
    while (n < buf.length) {
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        return false;
      }
      n += r;
    }
    return true;
  }

  /** Writes files as a gzipped ustar archive (GNU long-name records for long paths). */
  static void writeGzip(Map<String, byte[]> files, OutputStream out) throws IOException {
    GZIPOutputStream gz = new GZIPOutputStream(out);
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      byte[] name = ("/" + e.getKey()).getBytes(StandardCharsets.UTF_8);
      if (name.length > 99) {
        writeEntry(gz, "././@LongLink", 'L', name);
        name = new byte[] {'/'};
      }
      writeEntry(gz, new String(name, StandardCharsets.UTF_8), '0', e.getValue());
    }
    gz.write(new byte[BLOCK * 2]);
    gz.finish();
  }

  private static void writeEntry(OutputStream out, String name, char type, byte[] body)
      throws IOException {
    byte[] h = new byte[BLOCK];
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(n, 0, h, 0, Math.min(n.length, 99));
    putOctal(h, 100, 8, 0644);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, body.length);
    putOctal(h, 136, 12, 0);
    h[156] = (byte) type;
    byte[] magic = "ustar\u000000".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, h, 257, magic.length);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    putOctal(h, 148, 7, sum);
    out.write(h);
    out.write(body);
    int pad = (BLOCK - body.length % BLOCK) % BLOCK;
    out.write(new byte[pad]);
  }

  private static void putOctal(byte[] h, int off, int len, long v) {
    String s = Long.toOctalString(v);
    String padded = "0".repeat(Math.max(0, len - 1 - s.length())) + s;
    byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, off, Math.min(b.length, len - 1));
  }

  /** Gzips a tar of the given files into bytes. */
  static byte[] toBytes(Map<String, byte[]> files) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeGzip(files, out);
    } catch (IOException e) {
      throw new BundleException("cannot write archive: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }
}
