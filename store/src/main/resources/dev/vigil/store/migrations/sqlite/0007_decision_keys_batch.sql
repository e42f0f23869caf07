-- Pruning the decision log removes whole batches; their keys are found by batch through this index.
CREATE INDEX decision_keys_batch ON decision_keys (batch);
