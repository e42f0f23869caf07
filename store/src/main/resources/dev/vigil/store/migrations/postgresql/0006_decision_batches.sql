-- The decision log stores decisions by batch from here on (see DecisionBatch): one row per batch
-- the writer commits, its decisions in one binary record, and the search keys it holds. Rows of
-- the decisions table written before stay where they are and stay readable.
-- * decision_batches: one small row per batch, scanned newest first when no key narrows a search,
--   the partial index lists only the batches that hold a denied decision.
-- * decision_events: the batch's record, read only for batches a search picked.
-- * decision_keys: which batches hold a path, subject, route or id bucket.
-- * attempt: the writer's id for the batch, the same on every retry, so a batch whose commit was
--   reported as failed but went through is not written twice.
CREATE TABLE decision_batches (
  seq BIGSERIAL PRIMARY KEY,
  attempt TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  denied INTEGER NOT NULL,
  min_ts_us BIGINT NOT NULL,
  max_ts_us BIGINT NOT NULL
);
CREATE INDEX decision_batches_denied ON decision_batches (seq) WHERE denied > 0;
CREATE TABLE decision_events (
  batch BIGINT PRIMARY KEY,
  events BYTEA NOT NULL
);
CREATE TABLE decision_keys (
  key TEXT NOT NULL,
  batch BIGINT NOT NULL,
  PRIMARY KEY (key, batch)
);
