-- Workload identity: trust domains and their CAs, registration entries, revoked serials.
-- Private keys are stored sealed (AES-GCM, see CaKeyCipher), never in the clear outside
-- --insecure-dev mode.
CREATE TABLE identity_trust_domains (
  name TEXT PRIMARY KEY,
  key_type TEXT NOT NULL,
  ca_ttl_s BIGINT NOT NULL,
  x509_ttl_s BIGINT NOT NULL,
  jwt_ttl_s BIGINT NOT NULL,
  refresh_hint_s BIGINT NOT NULL,
  bundle_sequence BIGINT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE identity_cas (
  trust_domain TEXT NOT NULL REFERENCES identity_trust_domains (name),
  id TEXT NOT NULL,
  position BIGINT NOT NULL,
  state TEXT NOT NULL,
  key_type TEXT NOT NULL,
  certificate_pem TEXT NOT NULL,
  private_key_sealed TEXT NOT NULL,
  jwt_key_id TEXT NOT NULL,
  jwt_public_key TEXT NOT NULL,
  jwt_private_key_sealed TEXT NOT NULL,
  activated_at TEXT,
  PRIMARY KEY (trust_domain, id)
);
CREATE TABLE identity_entries (
  id TEXT PRIMARY KEY,
  spiffe_id TEXT NOT NULL,
  selectors TEXT NOT NULL,
  ttl_s BIGINT,
  dns_names TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX identity_entries_spiffe_id ON identity_entries (spiffe_id);
CREATE TABLE identity_revoked (
  trust_domain TEXT NOT NULL,
  serial TEXT NOT NULL,
  revoked_at TEXT NOT NULL,
  not_after TEXT NOT NULL,
  PRIMARY KEY (trust_domain, serial)
);
CREATE TABLE identity_federated_bundles (
  trust_domain TEXT PRIMARY KEY,
  bundle_json TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL
);
