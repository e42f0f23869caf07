package dev.vigil.pdp.api;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A refused read or write of base data, with the code of OPA's storage layer and the status and API
 * code OPA's server answers it with (OPA {@code v1/server/writer.ErrorAuto}). The message is OPA's:
 * {@code storage_not_found_error: /list/7: array index out of range}.
 */
final class StorageError extends RuntimeException {

  /** The kinds of refusal, with OPA's storage code, HTTP status and API code. */
  enum Kind {
    NOT_FOUND("storage_not_found_error", 404, ApiErrors.RESOURCE_NOT_FOUND),
    // OPA answers a write conflict with 404, not 409.
    WRITE_CONFLICT("storage_write_conflict_error", 404, ApiErrors.RESOURCE_CONFLICT),
    INVALID_PATCH("storage_invalid_patch_error", 400, ApiErrors.INVALID_PARAMETER);

    final String storageCode;
    final int status;
    final String apiCode;

    Kind(String storageCode, int status, String apiCode) {
      this.storageCode = storageCode;
      this.status = status;
      this.apiCode = apiCode;
    }
  }

  static final String DOES_NOT_EXIST = "document does not exist";
  static final String NOT_AN_INTEGER = "array index must be integer";
  static final String OUT_OF_RANGE = "array index out of range";

  private final Kind kind;

  private StorageError(Kind kind, String detail) {
    super(kind.storageCode + ": " + detail, null, false, false);
    this.kind = kind;
  }

  Kind kind() {
    return kind;
  }

  static StorageError notFound(List<String> path, String hint) {
    return new StorageError(Kind.NOT_FOUND, text(path) + ": " + hint);
  }

  static StorageError conflict(List<String> path) {
    return new StorageError(Kind.WRITE_CONFLICT, text(path));
  }

  static StorageError invalidPatch(String detail) {
    return new StorageError(Kind.INVALID_PATCH, detail);
  }

  /**
   * Writes a path as OPA's {@code storage.Path.String()} does: a slash before each segment, each
   * escaped as Go's {@code url.PathEscape} escapes a path segment, so that {@code "a b"} is {@code
   * a%20b} and {@code "a/b"} is {@code a%2Fb}.
   */
  static String text(List<String> path) {
    if (path.isEmpty()) {
      return "/";
    }
    StringBuilder sb = new StringBuilder();
    for (String segment : path) {
      sb.append('/');
      for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
        int c = b & 0xff;
        if (keptInSegment(c)) {
          sb.append((char) c);
        } else {
          sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
        }
      }
    }
    return sb.toString();
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  /** RFC 3986 unreserved characters and the sub-delimiters Go leaves in a path segment. */
  private static boolean keptInSegment(int c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-_.~$&+:=@".indexOf(c) >= 0;
  }
}
