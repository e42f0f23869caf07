package dev.vigil.pdp.api;

import dev.vigil.rego.RegoError;
import dev.vigil.rego.RegoException;
import dev.vigil.rego.ast.Location;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Reads the body of {@code PUT /v1/policies/{id}} as Rego source. Rego source is UTF-8 (OPA's
 * scanner refuses any other byte sequence as an {@code illegal utf-8 character}); a lenient decode
 * would turn each bad byte into U+FFFD and store a policy that is not the one sent. Bundles and
 * {@code vigil eval} refuse such files the same way. Stateless and thread-safe.
 */
final class PolicyText {

  private PolicyText() {}

  /**
   * Decodes {@code body} as UTF-8.
   *
   * @param id the policy id, named as the file of the error
   * @throws RegoException a {@code rego_parse_error} at the line and column of the first byte that
   *     is not UTF-8
   */
  static String decode(String id, byte[] body) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer out = CharBuffer.allocate(body.length);
    CoderResult result = decoder.decode(ByteBuffer.wrap(body), out, true);
    if (result.isError()) {
      throw new RegoException(
          new RegoError("rego_parse_error", "illegal utf-8 character", at(id, out.flip())));
    }
    decoder.flush(out);
    return out.flip().toString();
  }

  /** The place just after {@code before}; lines and columns count from 1, columns by code point. */
  private static Location at(String id, CharSequence before) {
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < before.length(); i++) {
      if (before.charAt(i) == '\n') {
        line++;
        lineStart = i + 1;
      }
    }
    String last = before.subSequence(lineStart, before.length()).toString();
    return new Location(id, line, last.codePointCount(0, last.length()) + 1);
  }
}
