package dev.vigil.httpkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An answer's body collected up to a number of bytes: past it, the exchange is cancelled and the
 * body fails with {@link TooLarge}, so that a server that answers without end cannot fill the
 * reader's memory. Combined with a deadline on the whole answer (the future of {@code sendAsync}),
 * a read ends in bounded time and space whatever the server does.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

  /** The failure of a body longer than the cap. */
  public static final class TooLarge extends IOException {
    private final int limit;

    TooLarge(int limit) {
      super("answer larger than " + limit + " bytes", null);
      this.limit = limit;
    }

    /** The cap that was passed, in bytes. */
    public int limit() {
      return limit;
    }
  }

  private final int limit;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CompletableFuture<byte[]> result = new CompletableFuture<>();
  private Flow.Subscription subscription;

  private CappedBody(int limit) {
    this.limit = limit;
  }

  /** A handler whose bodies are capped at {@code limit} bytes. */
  public static HttpResponse.BodyHandler<byte[]> handler(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the cap must be at least one byte, not " + limit);
    }
    return info -> new CappedBody(limit);
  }

  @Override
  public CompletionStage<byte[]> getBody() {
    return result;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    subscription = s;
    s.request(Long.MAX_VALUE);
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    for (ByteBuffer b : buffers) {
      if (bytes.size() + b.remaining() > limit) {
        subscription.cancel();
        result.completeExceptionally(new TooLarge(limit));
        return;
      }
      byte[] chunk = new byte[b.remaining()];
      b.get(chunk);
      bytes.writeBytes(chunk);
    }
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onComplete() {
    result.complete(bytes.toByteArray());
  }
}
