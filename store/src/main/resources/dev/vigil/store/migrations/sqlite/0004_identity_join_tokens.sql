-- One-time join tokens for vigil agent. Only the SHA-256 of a token is stored; a token is
-- redeemed at most once (used_at is set in the same statement that checks it is unset).
CREATE TABLE identity_join_tokens (
  token_hash TEXT PRIMARY KEY,
  trust_domain TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
);
