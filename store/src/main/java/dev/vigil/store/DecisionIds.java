package dev.vigil.store;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Makes decision ids: UUIDs of version 7's layout, whose first 48 bits are the time in
 * milliseconds, so that ids sort roughly by time, and a log's newest ids share a prefix. Every
 * decision gets one, whether a policy made it or a refusal before any policy did.
 */
public final class DecisionIds {

  private DecisionIds() {}

  /** Returns a new decision id. */
  public static String next() {
    long ms = System.currentTimeMillis();
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long hi = (ms << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
    long lo = (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(hi, lo).toString();
  }
}
