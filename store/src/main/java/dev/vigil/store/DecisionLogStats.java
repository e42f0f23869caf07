package dev.vigil.store;

/**
 * A snapshot of the decision log's state, for metrics.
 *
 * @param queued events accepted but not yet durable
 * @param written events made durable since start
 * @param rejected appends refused because the queue was full (fail-closed policy)
 * @param failed events whose write failed after retries (their futures failed)
 * @param oldestQueuedAgeNanos age of the oldest event not yet durable, 0 when none: the lag
 * @param batches transactions committed
 */
public record DecisionLogStats(
    long queued,
    long written,
    long rejected,
    long failed,
    long oldestQueuedAgeNanos,
    long batches) {}
