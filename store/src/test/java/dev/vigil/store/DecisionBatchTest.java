package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The batch record: what goes in comes out, damage is reported by batch and byte, keys are few. */
class DecisionBatchTest {

  /** Whole characters: ASCII, escapes, two- and three-byte UTF-8, and a surrogate pair. */
  private static final String[] ALPHABET = {
    "a",
    "Z",
    "0",
    "9",
    " ",
    "_",
    "-",
    "/",
    ".",
    ":",
    "\"",
    "\\",
    "{",
    "}",
    "\n",
    "\u00e9",
    "\u2028",
    "\ud83d\ude00"
  };

  private static String text(Random r, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = r.nextInt(max + 1); i > 0; i--) {
      sb.append(ALPHABET[r.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }

  private static DecisionRecord random(Random r) {
    long us = r.nextLong(-1_000_000_000_000L, 4_000_000_000_000_000L);
    return new DecisionRecord(
        r.nextBoolean() ? UUID.randomUUID().toString() : text(r, 40),
        Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000), Math.floorMod(us, 1_000_000) * 1_000),
        text(r, 30),
        r.nextInt(4) == 0 ? null : text(r, 30),
        r.nextInt(4) == 0 ? null : text(r, 10),
        r.nextBoolean(),
        text(r, 8),
        r.nextBoolean(),
        text(r, 8),
        r.nextBoolean() ? DecisionEvent.ofJson(text(r, 2_000)) : compact(r));
  }

  /** An event in the compact form: an object of a few strings, numbers and times. */
  private static DecisionEvent compact(Random r) {
    DecisionEvent.Encoder e = DecisionEvent.encoder().startObject();
    for (int i = r.nextInt(6); i > 0; i--) {
      e.key(text(r, 10) + i);
      switch (r.nextInt(3)) {
        case 0 -> e.string(text(r, 200));
        case 1 -> e.integer(r.nextLong());
        default -> e.time(Instant.ofEpochSecond(r.nextInt(), r.nextInt(1_000_000_000)));
      }
    }
    return e.end().done();
  }

  @Test
  void encode_randomBatches_decodeToTheSameDecisions() {
    Random r = new Random(20261205);
    for (int round = 0; round < 300; round++) {
      List<DecisionRecord> batch = new ArrayList<>();
      for (int i = r.nextInt(80); i > 0; i--) {
        batch.add(random(r));
      }

      List<DecisionRecord> back = DecisionBatch.decode(round, DecisionBatch.encode(batch));

      assertThat(back).as("round %d", round).isEqualTo(batch);
    }
  }

  @Test
  void encodePlain_randomBatches_decodeToTheSameDecisions() {
    // Format 2, as stores written before compression hold it, is still read.
    Random r = new Random(20261206);
    for (int round = 0; round < 100; round++) {
      List<DecisionRecord> batch = new ArrayList<>();
      for (int i = r.nextInt(40); i > 0; i--) {
        batch.add(random(r));
      }

      byte[] plain = DecisionBatch.encodePlain(batch);

      assertThat(plain[0]).isEqualTo((byte) DecisionBatch.FORMAT_PLAIN);
      assertThat(DecisionBatch.decode(round, plain)).as("round %d", round).isEqualTo(batch);
    }
  }

  @Test
  void encode_batchOfSimilarDecisions_isStoredCompressed() {
    List<DecisionRecord> batch = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      String id = UUID.randomUUID().toString();
      boolean allowed = i % 7 != 0;
      batch.add(
          new DecisionRecord(
              id,
              Instant.ofEpochSecond(1_780_000_000L, i * 37_000L),
              "authz/allow",
              "alice@example.com",
              "app",
              allowed,
              "enforce",
              true,
              "node-1",
              "{\"decision_id\":\"" + id + "\",\"result\":" + allowed + "}"));
    }

    byte[] stored = DecisionBatch.encode(batch);
    byte[] plain = DecisionBatch.encodePlain(batch);

    assertThat(stored[0]).isEqualTo((byte) DecisionBatch.FORMAT);
    assertThat(stored.length).isLessThan(plain.length / 3);
    assertThat(DecisionBatch.decode(1, stored)).isEqualTo(batch);
  }

  @Test
  void decode_everyTruncation_failsNamingTheBatchAndByte() {
    Random r = new Random(5);
    List<DecisionRecord> batch = List.of(random(r), random(r), random(r));
    for (byte[] whole :
        List.of(
            DecisionBatch.encode(batch),
            DecisionBatch.encodeDeflated(batch),
            DecisionBatch.encodePlain(batch))) {
      for (int cut = 0; cut < whole.length; cut++) {
        byte[] part = Arrays.copyOf(whole, cut);
        assertThatThrownBy(() -> DecisionBatch.decode(42, part))
            .as("format %d cut at %d", whole[0], cut)
            .isInstanceOf(StoreException.class)
            .hasMessageStartingWith("decision batch 42 is damaged at byte ");
      }
    }
  }

  /** Where the compressed content of a record starts: after its format byte and its size. */
  private static int afterSize(byte[] record) {
    int at = 1;
    while ((record[at] & 0x80) != 0) {
      at++;
    }
    return at + 1;
  }

  /**
   * Flips every byte of a compressed record after its format byte and size, in turn: each damaged
   * record must fail naming the batch, or read as the same batch. Returns how many read the same.
   */
  private static int flipsReadAsTheSame(byte[] good, List<DecisionRecord> batch) {
    int unseen = 0;
    for (int at = afterSize(good); at < good.length; at++) {
      byte[] damaged = good.clone();
      damaged[at] ^= 0x5a;
      try {
        assertThat(DecisionBatch.decode(43, damaged)).as("byte %d flipped", at).isEqualTo(batch);
        unseen++;
      } catch (StoreException e) {
        assertThat(e).hasMessageStartingWith("decision batch 43 is damaged at byte ");
      }
    }
    return unseen;
  }

  /**
   * A one-decision record whose stored plain size is made one smaller, then one larger, than its
   * content: each fails with the message given for it.
   */
  private static void sizeOffByOne(
      byte[] good, Function<Integer, String> smaller, Function<Integer, String> larger) {
    int size = good[1];
    assertThat(size).as("a one-byte size in this small record").isBetween(1, 127);

    byte[] less = good.clone();
    less[1] = (byte) (size - 1);
    assertThatThrownBy(() -> DecisionBatch.decode(45, less))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith(smaller.apply(size));

    byte[] more = good.clone();
    more[1] = (byte) (size + 1);
    assertThatThrownBy(() -> DecisionBatch.decode(46, more))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith(larger.apply(size));
  }

  @Test
  void decode_lz4RecordDamaged_failsNamingTheBatchOrReadsTheSame() {
    Random r = new Random(6);
    List<DecisionRecord> batch = List.of(random(r), random(r), random(r));
    byte[] good = DecisionBatch.encode(batch);
    assertThat(good[0]).isEqualTo((byte) DecisionBatch.FORMAT);
    // The block's bounds, its size or the CRC-32C of the content refuse a flipped byte. A flipped
    // match offset that points at the same bytes elsewhere gives the same content, read as it is.
    int flips = good.length - afterSize(good);
    assertThat(flipsReadAsTheSame(good, batch))
        .as("flips read as the same batch, of %d", flips)
        .isLessThan(flips / 50);

    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    assertThatThrownBy(() -> DecisionBatch.decode(44, trailing))
        .isInstanceOf(StoreException.class)
        .hasMessageStartingWith("decision batch 44 is damaged at byte ");
  }

  @Test
  void decode_lz4SizeNotTheContents_refused() {
    byte[] good = DecisionBatch.encode(List.of(TestStores.record("a", true)));
    sizeOffByOne(
        good,
        size -> "the compressed content holds more than its " + (size - 1) + " bytes",
        size -> "the compressed content holds " + size + " of its " + (size + 1) + " bytes");

    byte[] huge = Arrays.copyOf(good, good.length + 4);
    System.arraycopy(good, 2, huge, 6, good.length - 2);
    huge[1] = (byte) 0xff;
    huge[2] = (byte) 0xff;
    huge[3] = (byte) 0xff;
    huge[4] = (byte) 0xff;
    huge[5] = (byte) 0x07;
    assertThatThrownBy(() -> DecisionBatch.decode(47, huge))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith("impossible plain size " + Integer.MAX_VALUE);
  }

  @Test
  void decode_deflatedRecordsOfOlderNodes_readTheSame() {
    // Format 3, as nodes wrote it before LZ4, is still read.
    Random r = new Random(20261207);
    for (int round = 0; round < 50; round++) {
      List<DecisionRecord> batch = new ArrayList<>();
      for (int i = r.nextInt(40); i > 0; i--) {
        batch.add(random(r));
      }

      byte[] deflated = DecisionBatch.encodeDeflated(batch);

      assertThat(deflated[0]).isEqualTo((byte) DecisionBatch.FORMAT_DEFLATE);
      assertThat(DecisionBatch.decode(round, deflated)).as("round %d", round).isEqualTo(batch);
    }
  }

  @Test
  void decode_deflatedRecordDamaged_failsNamingTheBatchOrReadsTheSame() {
    Random r = new Random(6);
    List<DecisionRecord> batch = List.of(random(r), random(r), random(r));
    byte[] good = DecisionBatch.encodeDeflated(batch);
    // The zlib stream's own checks (its header, its codes, its Adler-32) or the plain record's
    // decoding refuse a flipped byte. Only the padding bits after the stream's last code can change
    // unseen, and they carry nothing.
    assertThat(flipsReadAsTheSame(good, batch))
        .as("flips read as the same batch")
        .isLessThanOrEqualTo(1);

    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    assertThatThrownBy(() -> DecisionBatch.decode(44, trailing))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith("3 bytes after the compressed content");
  }

  @Test
  void decode_deflatedSizeNotTheContents_refused() {
    sizeOffByOne(
        DecisionBatch.encodeDeflated(List.of(TestStores.record("a", true))),
        size -> "the compressed content holds more than its " + (size - 1) + " bytes",
        size -> "the compressed content ends after " + size + " of its " + (size + 1) + " bytes");
  }

  @Test
  void decode_unknownFormatFlagsOrTrailingBytes_refused() {
    byte[] good = DecisionBatch.encodePlain(List.of(TestStores.record("a", true)));

    byte[] format = good.clone();
    format[0] = 9;
    assertThatThrownBy(() -> DecisionBatch.decode(7, format))
        .isInstanceOf(StoreException.class)
        .hasMessage("decision batch 7 is damaged at byte 1: unknown format 9");

    byte[] trailing = Arrays.copyOf(good, good.length + 2);
    assertThatThrownBy(() -> DecisionBatch.decode(7, trailing))
        .isInstanceOf(StoreException.class)
        .hasMessageEndingWith("2 bytes after the last decision");

    for (int kind :
        new int[] {
          DecisionBatch.FORMAT, DecisionBatch.FORMAT_DEFLATE, DecisionBatch.FORMAT_PLAIN
        }) {
      byte[] random = new byte[64];
      new Random(kind).nextBytes(random);
      random[0] = (byte) kind;
      assertThatThrownBy(() -> DecisionBatch.decode(8, random))
          .as("format %d", kind)
          .isInstanceOf(StoreException.class)
          .hasMessageStartingWith("decision batch 8 is damaged at byte ");
    }
  }

  @Test
  void decode_formatOneRecord_readsItsEventText() {
    // A record as the writer of format 1 wrote it: no kind byte before the event text.
    byte[] old = {
      1,
      1, // format, one decision
      1,
      'x', // id
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5, // 5 µs after the epoch
      1,
      'p', // path
      0, // no subject
      2,
      'r', // route "r"
      1, // allowed
      7,
      'e',
      'n',
      'f',
      'o',
      'r',
      'c',
      'e', // mode
      1,
      'n', // node
      8,
      '{',
      '"',
      'a',
      '"',
      ':',
      '1',
      '}',
      ' ' // event text
    };

    List<DecisionRecord> back = DecisionBatch.decode(3, old);

    assertThat(back)
        .containsExactly(
            new DecisionRecord(
                "x",
                Instant.ofEpochSecond(0, 5_000),
                "p",
                null,
                "r",
                true,
                "enforce",
                false,
                "n",
                "{\"a\":1} "));
  }

  @Test
  void decode_damagedCompactEvent_namesTheBatchAndTheByteInBoth() {
    DecisionEvent event = DecisionEvent.encoder().startArray().integer(7).end().done();
    DecisionRecord record =
        new DecisionRecord("x", Instant.EPOCH, "p", null, null, true, "enforce", true, "n", event);
    byte[] data = DecisionBatch.encodePlain(List.of(record));
    // The event is last: its tags are the last 4 bytes (array, integer, 14, end).
    int start = data.length - 4;
    data[start + 1] = 99;

    assertThatThrownBy(() -> DecisionBatch.decode(12, data))
        .isInstanceOf(StoreException.class)
        .hasMessage(
            "decision batch 12 is damaged at byte "
                + (start + 1)
                + ": unknown tag 99 (byte 1 of a decision's event)");
  }

  @Test
  void idKey_uuidV7SharesItsMillisecond_otherIdsKeyedWhole() {
    String a = "0192f3a4-5b6c-7d8e-9f01-23456789abcd";
    String b = "0192f3a4-5b6c-7aaa-8bbb-cccccccccccc";
    String nextMs = "0192f3a4-5b6d-7aaa-8bbb-cccccccccccc";

    assertThat(DecisionBatch.idKey(a))
        .isEqualTo("i:0192f3a4-5b6c")
        .isEqualTo(DecisionBatch.idKey(b));
    assertThat(DecisionBatch.idKey(nextMs)).isNotEqualTo(DecisionBatch.idKey(a));
    // Version 4, and strings that only look like UUIDs, are keyed by the whole id.
    String v4 = "0192f3a4-5b6c-4d8e-9f01-23456789abcd";
    assertThat(DecisionBatch.idKey(v4)).isEqualTo("i:" + v4);
    assertThat(DecisionBatch.idKey("0192f3a4-5b6c-7d8e-9f01-23456789abcZ"))
        .isEqualTo("i:0192f3a4-5b6c-7d8e-9f01-23456789abcZ");
    assertThat(DecisionBatch.idKey("d-1")).isEqualTo("i:d-1");
  }

  @Test
  void keys_randomBatches_areEveryDecisionsKeys() {
    // Neighbours that repeat a value are skipped while keying: no decision's key may be lost.
    Random r = new Random(20261208);
    String[] paths = {"gw/allow", "authz/allow", "x"};
    String[] names = {"alice", "bob", null};
    for (int round = 0; round < 200; round++) {
      List<DecisionRecord> batch = new ArrayList<>();
      Set<String> expected = new HashSet<>();
      long ms = 0x0192f3a45b6cL;
      for (int i = r.nextInt(30); i > 0; i--) {
        ms += r.nextInt(3) == 0 ? 1 : 0;
        String id =
            switch (r.nextInt(3)) {
              case 0 -> UUID.randomUUID().toString();
              case 1 -> "d-" + r.nextInt(5);
              default ->
                  String.format(
                      "%08x-%04x-7%03x-8%03x-%012x",
                      ms >>> 16,
                      ms & 0xffff,
                      r.nextInt(4096),
                      r.nextInt(4096),
                      r.nextLong() >>> 16);
            };
        DecisionRecord d =
            new DecisionRecord(
                id,
                Instant.EPOCH,
                paths[r.nextInt(paths.length)],
                names[r.nextInt(names.length)],
                names[r.nextInt(names.length)],
                true,
                "enforce",
                true,
                "n1",
                "{}");
        batch.add(d);
        expected.add(DecisionBatch.idKey(d.decisionId()));
        expected.add(DecisionBatch.pathKey(d.path()));
        if (d.subject() != null) {
          expected.add(DecisionBatch.subjectKey(d.subject()));
        }
        if (d.route() != null) {
          expected.add(DecisionBatch.routeKey(d.route()));
        }
      }

      assertThat(DecisionBatch.keys(batch)).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void keys_distinctPerBatch_longValuesHashed() {
    String longSubject = "x".repeat(DecisionBatch.LONGEST_KEY_VALUE + 1);
    List<DecisionRecord> batch = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      batch.add(
          new DecisionRecord(
              "0192f3a4-5b6c-7d8e-9f01-" + String.format("%012x", i),
              Instant.EPOCH,
              "gw/allow",
              i % 2 == 0 ? "alice" : longSubject,
              i % 5 == 0 ? null : "app",
              true,
              "enforce",
              true,
              "n1",
              "{}"));
    }

    assertThat(DecisionBatch.keys(batch))
        .containsExactlyInAnyOrder(
            "i:0192f3a4-5b6c",
            "p:gw/allow",
            "s:alice",
            DecisionBatch.subjectKey(longSubject),
            "r:app");
    assertThat(DecisionBatch.subjectKey(longSubject)).startsWith("s:#").hasSize(3 + 64);
  }
}
