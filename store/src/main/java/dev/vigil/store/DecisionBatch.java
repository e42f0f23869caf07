package dev.vigil.store;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * How the decision log stores a batch of decisions: all of them in one binary record, and beside it
 * the search keys the batch holds.
 *
 * <p>Why one record per batch: a row per decision cost about 9 µs of the writer's CPU per decision
 * (its columns bound one by one, the table and four indexes updated); a batch of 60 decisions as
 * one record and a handful of keys costs a small part of that. Readers find candidate batches by
 * key, decode them and apply the exact filter.
 *
 * <p>The record: a format byte ({@value #FORMAT}), the number of decisions as a varint, then per
 * decision: id, time in microseconds since the epoch (8 bytes, big-endian), policy path, subject
 * (nullable), route (nullable), a flags byte (1 = allowed, 2 = enforced), mode, node and the event:
 * a kind byte, then for kind 0 the event's JSON text as a string, for kind 1 the event in the
 * compact form of {@link DecisionEvent}, after its byte length as a varint. Strings are UTF-8 after
 * their byte length as a varint; a nullable string stores its length plus one, and 0 for null.
 * Format 1, written before the compact form, held the event's JSON text as a string, without the
 * kind byte; it is still read.
 *
 * <p>Format {@value #FORMAT}, written now, holds the same content as format {@value #FORMAT_PLAIN}
 * compressed: after the format byte, the byte length of the plain content (everything of a format
 * {@value #FORMAT_PLAIN} record after its format byte) as a varint, the CRC-32C of that content (4
 * bytes, big-endian), then the content as one LZ4 block (the block format of the LZ4 project, no
 * frame). Why compressed: a batch's decisions repeat each other (the same route, policy, headers,
 * explanation and node), so a batch shrinks about ten times. Behind the gateway at about 50,000
 * decisions/s the plain records made SQLite write 62 MB/s (each byte twice, to the write-ahead log
 * and at the checkpoint), and copying them into the page cache cost the writer more than
 * compressing them. Why LZ4: zlib's fastest level cost the writer 1.8 µs per decision, a quarter of
 * its CPU time and the largest part of it; LZ4 compresses the same batches in 0.2 µs, to a record
 * about 1.4 times zlib's size (see docs/benchmarks.md). An LZ4 block carries no check of its own,
 * hence the CRC.
 *
 * <p>Format {@value #FORMAT_DEFLATE} records, written before, are still read: the same content as a
 * zlib stream (RFC 1950, with its Adler-32 check) after its byte length as a varint. So are format
 * 2 records, written before compression.
 *
 * <p>The keys: {@code p:} path, {@code s:} subject, {@code r:} route, and {@code i:} the id's
 * bucket (see {@link #idKey}). A value longer than {@value #LONGEST_KEY_VALUE} characters is keyed
 * by its SHA-256, so every key fits an index entry, and so is a value holding NUL; a key only
 * narrows the search, the filter itself is applied to the decoded decisions.
 */
final class DecisionBatch {

  /** The format byte of the records written now: compressed with LZ4. */
  static final int FORMAT = 4;

  /** The format of records written before LZ4: compressed with zlib. */
  static final int FORMAT_DEFLATE = 3;

  /** The format of records written before they were compressed. */
  static final int FORMAT_PLAIN = 2;

  /** The format of records written before events had a compact form. */
  static final int FORMAT_TEXT_EVENTS = 1;

  private static final int EVENT_TEXT = 0;
  private static final int EVENT_COMPACT = 1;

  /** Longest value kept as it is in a key; longer ones are keyed by their hash. */
  static final int LONGEST_KEY_VALUE = 256;

  private static final int ALLOWED = 1;
  private static final int ENFORCED = 2;

  private DecisionBatch() {}

  /** Encodes the decisions of one batch, compressed (format {@value #FORMAT}). */
  static byte[] encode(List<DecisionRecord> records) {
    return Lz4.compress(encodePlain(records));
  }

  /**
   * Encodes the decisions of one batch as format {@value #FORMAT_DEFLATE} wrote them: kept so that
   * reading the records older nodes wrote stays tested.
   */
  static byte[] encodeDeflated(List<DecisionRecord> records) {
    return deflate(encodePlain(records));
  }

  /** Encodes the decisions of one batch as format {@value #FORMAT_PLAIN} wrote them. */
  static byte[] encodePlain(List<DecisionRecord> records) {
    Writer w = new Writer(records.size() * 768);
    w.write(FORMAT_PLAIN);
    w.varint(records.size());
    for (DecisionRecord r : records) {
      w.string(r.decisionId());
      w.fixed64(DecisionLog.micros(r.timestamp()));
      w.string(r.path());
      w.nullable(r.subject());
      w.nullable(r.route());
      w.write((r.allowed() ? ALLOWED : 0) | (r.enforced() ? ENFORCED : 0));
      w.string(r.mode());
      w.string(r.node());
      DecisionEvent event = r.event();
      byte[] compact = event.compact();
      if (compact != null) {
        w.write(EVENT_COMPACT);
        w.bytes(compact);
      } else {
        w.write(EVENT_TEXT);
        w.string(event.text());
      }
    }
    return w.bytes();
  }

  /**
   * Decodes a batch.
   *
   * @param batch the batch's number, for the error message
   * @throws StoreException naming the batch and the byte where the record is damaged
   */
  static List<DecisionRecord> decode(long batch, byte[] data) {
    int format = data.length > 0 ? data[0] & 0xff : -1;
    if (format == FORMAT) {
      return decodePlain(new Reader(batch, Lz4.expand(batch, data), " of its plain content"));
    }
    if (format == FORMAT_DEFLATE) {
      return decodePlain(new Reader(batch, inflate(batch, data), " of its inflated content"));
    }
    return decodePlain(new Reader(batch, data, ""));
  }

  /** A zlib-compressed record holding a plain one's content (all of it after its format byte). */
  private static byte[] deflate(byte[] plain) {
    Deflater d = new Deflater(Deflater.BEST_SPEED);
    try {
      d.setInput(plain, 1, plain.length - 1);
      d.finish();
      Writer w = new Writer(plain.length / 8 + 64);
      w.write(FORMAT_DEFLATE);
      w.varint(plain.length - 1);
      w.deflated(d, Math.max(4_096, plain.length / 16));
      return w.bytes();
    } finally {
      d.end();
    }
  }

  /**
   * Format {@value #FORMAT}: LZ4 blocks. The native compressor lz4-java ships for the usual
   * platforms when it loads, else its pure-Java one, which writes the same blocks more slowly; both
   * decompressors check every bound, so a damaged block fails as a damaged record.
   */
  private static final class Lz4 {
    private static final LZ4Factory FACTORY = factory();
    private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

    /** LZ4 expands a block at most about 255 times: a larger size is damage, not content. */
    private static final int MOST_EXPANSION = 255;

    /** Room the decompressor gets past the stored size (see {@link #expand}). */
    private static final int SPARE = 16;

    private Lz4() {}

    private static LZ4Factory factory() {
      try {
        return LZ4Factory.nativeInstance();
      } catch (RuntimeException | LinkageError e) {
        // No native library for this platform, or no way to load it: the Java one, which needs no
        // sun.misc.Unsafe.
        return LZ4Factory.safeInstance();
      }
    }

    static byte[] compress(byte[] plain) {
      int n = plain.length - 1;
      Writer w = new Writer(16 + COMPRESSOR.maxCompressedLength(n));
      w.write(FORMAT);
      w.varint(n);
      w.fixed32(crc(plain, 1, n));
      w.compressed(COMPRESSOR, plain, 1, n);
      return w.bytes();
    }

    /**
     * The plain record held by an LZ4 one: format byte {@value #FORMAT_PLAIN}, then the content,
     * whose size and CRC must be the ones stored.
     */
    static byte[] expand(long batch, byte[] data) {
      Reader r = new Reader(batch, data, "");
      r.read();
      int size = r.varint();
      long most = (long) MOST_EXPANSION * (data.length - r.pos) + 64;
      if (size < 0 || size > most || size > Integer.MAX_VALUE - 16) {
        throw r.damaged("impossible plain size " + size);
      }
      int crc = r.fixed32();
      // Room past the size: a decompressor given exactly the size stops when it is full, so bytes
      // after the block would go unseen; given more, they decode to more than the size, or fail.
      byte[] plain = new byte[1 + size + SPARE];
      plain[0] = FORMAT_PLAIN;
      int got;
      try {
        got = DECOMPRESSOR.decompress(data, r.pos, data.length - r.pos, plain, 1, size + SPARE);
      } catch (LZ4Exception e) {
        throw r.damaged("the compressed content is damaged");
      }
      if (got != size) {
        throw r.damaged(
            "the compressed content holds "
                + (got > size ? "more than" : got + " of")
                + " its "
                + size
                + " bytes");
      }
      if (crc(plain, 1, size) != crc) {
        throw r.damaged("the compressed content does not match its CRC-32C");
      }
      return Arrays.copyOf(plain, 1 + size);
    }

    private static int crc(byte[] b, int from, int n) {
      CRC32C c = new CRC32C();
      c.update(b, from, n);
      return (int) c.getValue();
    }
  }

  /**
   * The plain record held by a compressed one: format byte {@value #FORMAT_PLAIN}, then the
   * content. The buffer grows with what the stream actually gives, so a damaged length cannot make
   * it allocate more than the stream holds.
   */
  private static byte[] inflate(long batch, byte[] data) {
    Reader r = new Reader(batch, data, "");
    r.read();
    int size = r.varint();
    if (size < 0 || size == Integer.MAX_VALUE) {
      throw r.damaged("impossible inflated size " + size);
    }
    byte[] plain = new byte[1 + Math.min(size, Math.max(4_096, (data.length - r.pos) * 32))];
    plain[0] = FORMAT_PLAIN;
    int got = 0;
    Inflater in = new Inflater();
    try {
      in.setInput(data, r.pos, data.length - r.pos);
      while (got < size) {
        if (1 + got == plain.length) {
          plain = Arrays.copyOf(plain, 1 + (int) Math.min(size, 2L * got));
        }
        int n = in.inflate(plain, 1 + got, plain.length - 1 - got);
        if (n == 0 && (in.finished() || in.needsInput() || in.needsDictionary())) {
          throw r.damaged(
              "the compressed content ends after " + got + " of its " + size + " bytes");
        }
        got += n;
      }
      if (!in.finished() && in.inflate(new byte[1]) > 0) {
        throw r.damaged("the compressed content holds more than its " + size + " bytes");
      }
      if (!in.finished()) {
        throw r.damaged("the compressed content ends early");
      }
      if (in.getRemaining() > 0) {
        throw r.damaged(in.getRemaining() + " bytes after the compressed content");
      }
    } catch (DataFormatException e) {
      throw r.damaged("the compressed content is damaged: " + e.getMessage());
    } finally {
      in.end();
    }
    return plain;
  }

  private static List<DecisionRecord> decodePlain(Reader r) {
    byte[] data = r.data;
    int format = r.read();
    if (format != FORMAT_PLAIN && format != FORMAT_TEXT_EVENTS) {
      throw r.damaged("unknown format " + format);
    }
    int n = r.varint();
    if (n < 0 || n > data.length) {
      throw r.damaged("impossible count " + n);
    }
    List<DecisionRecord> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String id = r.string();
      Instant time = r.time();
      String path = r.string();
      String subject = r.nullable();
      String route = r.nullable();
      int flags = r.read();
      if ((flags & ~(ALLOWED | ENFORCED)) != 0) {
        throw r.damaged("unknown flags " + flags);
      }
      String mode = r.string();
      String node = r.string();
      DecisionEvent event = format == FORMAT_PLAIN ? r.event() : DecisionEvent.ofJson(r.string());
      out.add(
          new DecisionRecord(
              id,
              time,
              path,
              subject,
              route,
              (flags & ALLOWED) != 0,
              mode,
              (flags & ENFORCED) != 0,
              node,
              event));
    }
    if (r.pos != data.length) {
      throw r.damaged((data.length - r.pos) + " bytes after the last decision");
    }
    return out;
  }

  /** The distinct search keys of a batch, in a stable order. */
  static Set<String> keys(List<DecisionRecord> records) {
    Set<String> keys = new LinkedHashSet<>();
    // Neighbouring decisions mostly share their path, subject, route and id bucket: a value equal
    // to the one before it adds no key, and is not made into one again.
    DecisionRecord previous = null;
    String bucket = null; // the previous id's bucket, when it was a UUIDv7
    for (DecisionRecord r : records) {
      String id = r.decisionId();
      boolean v7 = isUuidV7(id);
      if (!(v7 && bucket != null && id.regionMatches(0, bucket, 0, 13))) {
        keys.add(idKey(id));
      }
      bucket = v7 ? id : null;
      if (previous == null || !previous.path().equals(r.path())) {
        keys.add(key("p:", r.path()));
      }
      if (r.subject() != null && (previous == null || !r.subject().equals(previous.subject()))) {
        keys.add(key("s:", r.subject()));
      }
      if (r.route() != null && (previous == null || !r.route().equals(previous.route()))) {
        keys.add(key("r:", r.route()));
      }
      previous = r;
    }
    return keys;
  }

  static String pathKey(String path) {
    return key("p:", path);
  }

  static String subjectKey(String subject) {
    return key("s:", subject);
  }

  static String routeKey(String route) {
    return key("r:", route);
  }

  /**
   * The key a decision id is found by. The decision point's ids are UUIDs of version 7, whose first
   * 48 bits are the millisecond they were made: such an id is keyed by that millisecond, so a batch
   * adds a few id keys rather than one per decision. Any other id is keyed by itself.
   */
  static String idKey(String id) {
    if (isUuidV7(id)) {
      return "i:" + id.substring(0, 13);
    }
    return key("i:", id);
  }

  private static boolean isUuidV7(String s) {
    if (s.length() != 36 || s.charAt(14) != '7') {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
      if (dash ? c != '-' : Character.digit(c, 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * A key as the database stores it. A lone surrogate is stored as "?" (both drivers encode text as
   * UTF-8 the way {@link String#getBytes} does, and so does the record), so the key is made of the
   * value as stored: two values that are stored alike must give one key, not two rows that collide
   * on the key's primary key and fail the batch. A value with NUL, which PostgreSQL refuses in
   * text, is keyed by its hash like a long one.
   */
  private static String key(String kind, String value) {
    boolean nul = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        nul = true;
      } else if (Character.isSurrogate(c)) {
        value = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
        nul = value.indexOf(0) >= 0;
        break;
      }
    }
    if (value.length() <= LONGEST_KEY_VALUE && !nul) {
      return kind + value;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
      return kind + "#" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  /** A growing byte buffer. */
  private static final class Writer {
    private byte[] buf;
    private int pos;

    Writer(int capacity) {
      buf = new byte[Math.max(64, capacity)];
    }

    void write(int b) {
      room(1);
      buf[pos++] = (byte) b;
    }

    void varint(int v) {
      while ((v & ~0x7f) != 0) {
        write((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      write(v);
    }

    void fixed32(int v) {
      room(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        buf[pos++] = (byte) (v >>> shift);
      }
    }

    void fixed64(long v) {
      room(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[pos++] = (byte) (v >>> shift);
      }
    }

    void string(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length);
      room(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    void bytes(byte[] b) {
      varint(b.length);
      room(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    void nullable(String s) {
      if (s == null) {
        varint(0);
        return;
      }
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      varint(b.length + 1);
      room(b.length);
      System.arraycopy(b, 0, buf, pos, b.length);
      pos += b.length;
    }

    /** Appends {@code n} bytes of {@code src} from {@code from} as one LZ4 block. */
    void compressed(LZ4Compressor c, byte[] src, int from, int n) {
      room(c.maxCompressedLength(n));
      pos += c.compress(src, from, n, buf, pos, buf.length - pos);
    }

    /** Appends all a deflater gives, growing by at least {@code step} bytes at a time. */
    void deflated(Deflater d, int step) {
      while (!d.finished()) {
        room(step);
        pos += d.deflate(buf, pos, buf.length - pos);
      }
    }

    private void room(int n) {
      if (pos + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
      }
    }

    byte[] bytes() {
      return Arrays.copyOf(buf, pos);
    }
  }

  /** Reads a record, failing with the batch and position on anything that does not fit. */
  private static final class Reader {
    private final long batch;
    private final byte[] data;
    private final String of;
    private int pos;

    /**
     * @param of what the positions count in, after "at byte N": empty for the stored record
     */
    Reader(long batch, byte[] data, String of) {
      this.batch = batch;
      this.data = data;
      this.of = of;
    }

    StoreException damaged(String what) {
      return new StoreException(
          "decision batch " + batch + " is damaged at byte " + pos + of + ": " + what);
    }

    int read() {
      if (pos >= data.length) {
        throw damaged("the record ends early");
      }
      return data[pos++] & 0xff;
    }

    int varint() {
      int v = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int b = read();
        v |= (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw damaged("a length runs past 5 bytes");
    }

    int fixed32() {
      if (data.length - pos < 4) {
        throw damaged("the record ends early");
      }
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (data[pos++] & 0xff);
      }
      return v;
    }

    long fixed64() {
      if (data.length - pos < 8) {
        throw damaged("the record ends early");
      }
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (data[pos++] & 0xff);
      }
      return v;
    }

    Instant time() {
      long us = fixed64();
      try {
        return Instant.ofEpochSecond(
            Math.floorDiv(us, 1_000_000), Math.floorMod(us, 1_000_000) * 1_000L);
      } catch (DateTimeException e) {
        throw damaged("time " + us + " µs is out of range");
      }
    }

    String string() {
      return text(varint());
    }

    DecisionEvent event() {
      int kind = read();
      if (kind == EVENT_TEXT) {
        return DecisionEvent.ofJson(string());
      }
      if (kind != EVENT_COMPACT) {
        pos--;
        throw damaged("unknown event kind " + kind);
      }
      int n = varint();
      if (n < 0 || n > data.length - pos) {
        throw damaged("an event of " + n + " bytes runs past the end");
      }
      byte[] compact = Arrays.copyOfRange(data, pos, pos + n);
      try {
        DecisionEvent event = DecisionEvent.ofCompact(compact);
        pos += n;
        return event;
      } catch (DecisionEvent.Damage d) {
        pos += d.offset();
        throw damaged(d.what() + " (byte " + d.offset() + " of a decision's event)");
      }
    }

    String nullable() {
      int n = varint();
      return n == 0 ? null : text(n - 1);
    }

    private String text(int n) {
      if (n < 0 || n > data.length - pos) {
        throw damaged("a string of " + n + " bytes runs past the end");
      }
      String s = new String(data, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return s;
    }
  }
}
