package dev.vigil.rego.value;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;

/**
 * The hash codes of values: SipHash-1-3 under a key drawn at random when the process starts.
 *
 * <p>Why keyed: sets and objects are hash tables, and a policy's input is chosen by whoever sends
 * the request. Under a fixed hash (Java's for strings, {@link BigDecimal}'s for numbers, a sum or a
 * polynomial of the parts for collections) an input can hold thousands of distinct keys with one
 * hash code ({@code "Aa"} and {@code "BB"} for strings, {@code 1} and {@code 2e31} for numbers,
 * {@code {"x": "x"}} and {@code {"y": "y"}} for objects), and every lookup then compares against
 * all of them: a quadratic amount of work that parsing the input and evaluating the policy do
 * inside steps the time budget charges as one. Under a secret key nobody outside the process can
 * tell which values share a hash code, so a table holds at most a few per bucket whatever the
 * input.
 *
 * <p>Why SipHash: a keyed pseudorandom function over short messages, built for this purpose;
 * cheaper mixes (Murmur and the like) have collisions that hold under every key. Strings are read
 * four UTF-16 units to a word. A collection's hash is keyed over its parts' hashes, in order for an
 * array and as a sum of keyed per-member (per-entry) hashes for a set (object), so that it does not
 * depend on the order of a hash table's iteration.
 *
 * <p>Hash codes are stable within the process and differ between processes. Nothing depends on them
 * beyond hash tables: values order, compare and print by content (see {@link Values}), so every
 * output, sorted as OPA sorts it, is the same in every process.
 */
final class ValueHash {

  private static final long K0;
  private static final long K1;

  static {
    SecureRandom random = new SecureRandom();
    K0 = random.nextLong();
    K1 = random.nextLong();
  }

  /** Domains: the kinds of hashed message, so that a string and a number never share a message. */
  private static final long STRING = 1;

  private static final long NUMBER = 2;
  private static final long ARRAY = 3;
  private static final long MEMBER = 4;
  private static final long ENTRY = 5;
  private static final long SET = 6;
  private static final long OBJECT = 7;

  private ValueHash() {}

  /** Returns the hash code of a string's characters. */
  static int string(String s) {
    Sip h = new Sip(STRING);
    int n = s.length();
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      h.add(
          s.charAt(i)
              | (long) s.charAt(i + 1) << 16
              | (long) s.charAt(i + 2) << 32
              | (long) s.charAt(i + 3) << 48);
    }
    long last = 0;
    for (int shift = 0; i < n; i++, shift += 16) {
      last |= (long) s.charAt(i) << shift;
    }
    h.add(last);
    return h.finish(n);
  }

  /** Returns the hash code of a number in canonical form (trailing zeros stripped). */
  static int number(BigDecimal canonical) {
    Sip h = new Sip(NUMBER);
    h.add(canonical.scale());
    BigInteger unscaled = canonical.unscaledValue();
    if (unscaled.bitLength() < 64) {
      h.add(unscaled.longValue());
      return h.finish(1);
    }
    byte[] bytes = unscaled.toByteArray();
    long word = 0;
    for (int i = 0; i < bytes.length; i++) {
      word = word << 8 | (bytes[i] & 0xff);
      if ((i & 7) == 7) {
        h.add(word);
        word = 0;
      }
    }
    h.add(word);
    return h.finish(bytes.length);
  }

  /** Returns the hash code of an array of elements, in order. */
  static int array(Value[] elements) {
    Sip h = new Sip(ARRAY);
    for (Value e : elements) {
      h.add(e.hashCode());
    }
    return h.finish(elements.length);
  }

  /** Returns what a member of a set adds to the set's {@link #set} sum. */
  static long member(Value member) {
    Sip h = new Sip(MEMBER);
    h.add(member.hashCode());
    return h.finishLong(1);
  }

  /** Returns what an entry of an object adds to the object's {@link #object} sum. */
  static long entry(Value key, Value value) {
    Sip h = new Sip(ENTRY);
    h.add((long) key.hashCode() << 32 | (value.hashCode() & 0xffffffffL));
    return h.finishLong(1);
  }

  /** Returns the hash code of a set from the sum of its members' {@link #member} hashes. */
  static int set(long memberSum, int size) {
    Sip h = new Sip(SET);
    h.add(memberSum);
    return h.finish(size);
  }

  /** Returns the hash code of an object from the sum of its entries' {@link #entry} hashes. */
  static int object(long entrySum, int size) {
    Sip h = new Sip(OBJECT);
    h.add(entrySum);
    return h.finish(size);
  }

  /**
   * SipHash-1-3 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): one round per
   * 64-bit word added, three to finish. The first word of every message is its domain.
   */
  private static final class Sip {
    private long v0 = K0 ^ 0x736f6d6570736575L;
    private long v1 = K1 ^ 0x646f72616e646f6dL;
    private long v2 = K0 ^ 0x6c7967656e657261L;
    private long v3 = K1 ^ 0x7465646279746573L;

    Sip(long domain) {
      add(domain);
    }

    void add(long m) {
      v3 ^= m;
      round();
      v0 ^= m;
    }

    /** Ends the message with its length, which sets apart messages that differ only in padding. */
    int finish(long length) {
      long h = finishLong(length);
      return (int) (h ^ (h >>> 32));
    }

    long finishLong(long length) {
      add(length);
      v2 ^= 0xff;
      round();
      round();
      round();
      return v0 ^ v1 ^ v2 ^ v3;
    }

    private void round() {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
  }
}
