-- The last time step at which each TOTP secret's code was accepted (see TotpSteps), so that every
-- node sharing the store, and the gateway and the console alike, accept a code once (RFC 6238
-- section 5.2). A secret is named only by the hex SHA-256 of its user and secret; used_at_s is when
-- the step was taken (epoch seconds).
CREATE TABLE totp_steps (
  key_sha256 TEXT PRIMARY KEY,
  step INTEGER NOT NULL,
  used_at_s INTEGER NOT NULL
);
