package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fold scanner fed as Netty's decoder feeds it: the head arriving in pieces cut at every place,
 * the decoder taking whole lines only and stopping at the head's end. Whatever the cuts, the
 * verdict is the one a plain reading of the whole head gives, field name included.
 */
class FoldScanTest {

  static final String[] HEADS = {
    "GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nX-Long-Field-Name: v\r\n folded\r\n\r\n",
    "GET /a HTTP/1.1\r\n\tAfterTheRequestLine\r\nHost: x\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n first line of a body\r\n",
    "\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\t3\r\n\r\n",
    "GET /a HTTP/1.1\nHost: x\nCookie: a=b\n c=d\n\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nNo Colon Here\r\n folded\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\n" + "N".repeat(80) + ": v\r\n folded\r\n\r\n",
    "GET /a HTTP/1.1\r\nHost: x\r\nValue: has a space inside\r\nOther:\ttab inside\r\n\r\n",
  };

  @Test
  void everyCut_sameVerdictAsTheWholeHead() {
    for (String head : HEADS) {
      String expected = plainReading(head);
      byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
      assertThat(scan(bytes, List.of())).as("%s in one piece", head).isEqualTo(expected);
      for (int cut = 1; cut < bytes.length; cut++) {
        assertThat(scan(bytes, List.of(cut))).as("%s cut at %d", head, cut).isEqualTo(expected);
        for (int second = cut + 1; second < bytes.length; second += 3) {
          assertThat(scan(bytes, List.of(cut, second)))
              .as("%s cut at %d and %d", head, cut, second)
              .isEqualTo(expected);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 17})
  void foldedFieldNamed_whateverTheBytesPerRead(int perRead) {
    String head = "GET / HTTP/1.1\r\nHost: x\r\nX-Custom: a\r\n b\r\n\r\n";
    byte[] bytes = head.getBytes(StandardCharsets.ISO_8859_1);
    List<Integer> cuts = new ArrayList<>();
    for (int at = perRead; at < bytes.length; at += perRead) {
      cuts.add(at);
    }
    assertThat(scan(bytes, cuts)).contains("folds field x-custom over more than one line");
  }

  @Test
  void plainReading_seesWhatItShould() {
    assertThat(plainReading(HEADS[0])).isNull();
    assertThat(plainReading(HEADS[1])).contains("folds field x-long-field-name ");
    assertThat(plainReading(HEADS[2])).contains("after the request line");
    assertThat(plainReading(HEADS[3])).isNull();
    assertThat(plainReading(HEADS[4])).contains("folds field b ");
    assertThat(plainReading(HEADS[6])).contains("folds field (unnamed) ");
    assertThat(plainReading(HEADS[7])).contains("folds field " + "n".repeat(64) + " ");
    assertThat(plainReading(HEADS[8])).isNull();
  }

  /**
   * Feeds {@code bytes} to a scanner in pieces ending at {@code cuts}, as the decoder does: it
   * looks at all the bytes it holds, then takes whole lines, stopping at the end of the head.
   */
  private static String scan(byte[] bytes, List<Integer> cuts) {
    RequestFraming.FoldScan scan = new RequestFraming.FoldScan();
    ByteBuf held = Unpooled.buffer();
    List<Integer> ends = new ArrayList<>(cuts);
    ends.add(bytes.length);
    int sent = 0;
    boolean headEnded = false;
    for (int end : ends) {
      held.writeBytes(bytes, sent, end - sent);
      sent = end;
      if (headEnded) {
        continue;
      }
      scan.look(held);
      int from = held.readerIndex();
      int to = taken(held, from);
      headEnded = to < 0;
      to = Math.abs(to);
      held.readerIndex(to);
      scan.consumed(held, from, to);
    }
    return scan.refusal();
  }

  /**
   * Where the decoder stops in {@code held} from {@code from}: after the last whole line, or, as a
   * negative number, right after the empty line that ends the head.
   */
  private static int taken(ByteBuf held, int from) {
    int head = startOfHead(held);
    int lastEnd = from;
    int lineStart = from;
    for (int i = from; i < held.writerIndex(); i++) {
      if (held.getByte(i) == '\n') {
        boolean empty = i == lineStart || (i == lineStart + 1 && held.getByte(lineStart) == '\r');
        if (empty && lineStart > head) {
          return -(i + 1);
        }
        lastEnd = i + 1;
        lineStart = i + 1;
      }
    }
    return lastEnd;
  }

  /** The index of the request line's first byte in the whole of {@code held}. */
  private static int startOfHead(ByteBuf held) {
    int i = 0;
    while (i < held.writerIndex()) {
      byte b = held.getByte(i);
      if (!((b >= 0 && b <= 0x20) || b == 0x7f)) {
        return i;
      }
      i++;
    }
    return i;
  }

  /** The verdict read off the whole head at once, line by line. */
  private static String plainReading(String text) {
    int at = 0;
    while (at < text.length() && (text.charAt(at) <= 0x20 || text.charAt(at) == 0x7f)) {
      at++;
    }
    String[] lines = text.substring(at).split("\n", -1);
    String previous = null;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty() || line.equals("\r")) {
        return null;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        return previous == null
            ? "the request head has a line starting with a space or tab after the request line"
            : "the request head folds field "
                + previous
                + " over more than one line (obsolete line folding, RFC 9112 section 5.2)";
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      name = name.length() > 64 ? name.substring(0, 64) : name;
      previous =
          name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") ? name.toLowerCase(Locale.ROOT) : "(unnamed)";
    }
    return null;
  }
}
