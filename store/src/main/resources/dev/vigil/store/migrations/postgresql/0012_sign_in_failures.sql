-- Failed sign-ins in a row, per account and per client address, counted by every node sharing the
-- store so that a lock made on one holds on all (see SignInFailures). The account name or address
-- is kept only as the hex SHA-256 of its key. Times are epoch milliseconds: last_ms is the last
-- failure, locked_until_ms the end of the lock (0 for none).
CREATE TABLE sign_in_failures (
  key_sha256 TEXT PRIMARY KEY,
  failures BIGINT NOT NULL,
  last_ms BIGINT NOT NULL,
  locked_until_ms BIGINT NOT NULL
);
