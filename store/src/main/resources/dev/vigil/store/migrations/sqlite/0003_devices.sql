-- Devices: the device CA, one-time enrolment tokens, enrolled devices and their signed posture
-- reports. The CA key is sealed (AES-GCM, see CaKeyCipher); tokens are kept only as SHA-256
-- hashes. Times that are compared are epoch milliseconds.
CREATE TABLE device_cas (
  id TEXT PRIMARY KEY,
  certificate_pem TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE device_tokens (
  token_hash TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  used_at_ms INTEGER,
  device_id TEXT
);
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  serial TEXT NOT NULL,
  enrolled_at_ms INTEGER NOT NULL,
  not_after_ms INTEGER NOT NULL,
  revoked_at_ms INTEGER
);
CREATE TABLE device_reports (
  device_id TEXT NOT NULL REFERENCES devices (id),
  nonce TEXT NOT NULL,
  issued_at_ms INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  posture_json TEXT NOT NULL,
  jws TEXT NOT NULL,
  PRIMARY KEY (device_id, nonce)
);
CREATE INDEX device_reports_latest ON device_reports (device_id, issued_at_ms);
