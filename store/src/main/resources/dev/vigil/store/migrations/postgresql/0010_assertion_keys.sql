-- The public keys with which gateway nodes sign identity assertions (X-Vigil-Assertion), so that
-- every node's JWKS serves the keys of all nodes sharing the store. The private keys never leave
-- the memory of their node. A row is kept until not_after_ms (epoch milliseconds), the time after
-- which no assertion signed with the key can still be valid; the node pushes it forward while it
-- runs, and every node deletes the rows past it.
CREATE TABLE assertion_keys (
  kid TEXT PRIMARY KEY,
  issuer TEXT NOT NULL,
  node TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  not_after_ms BIGINT NOT NULL
);
CREATE INDEX assertion_keys_issuer ON assertion_keys (issuer, not_after_ms);
