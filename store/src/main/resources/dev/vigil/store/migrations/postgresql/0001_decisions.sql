-- The decision log: one row per decision, the full event as JSON beside the columns
-- that `vigil logs` filters on.
CREATE TABLE decisions (
  seq BIGSERIAL PRIMARY KEY,
  decision_id TEXT NOT NULL UNIQUE,
  ts_us BIGINT NOT NULL,
  path TEXT NOT NULL,
  subject TEXT,
  route TEXT,
  allowed BOOLEAN NOT NULL,
  mode TEXT NOT NULL,
  enforced BOOLEAN NOT NULL,
  node TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX decisions_ts ON decisions (ts_us);
CREATE INDEX decisions_path_ts ON decisions (path, ts_us);
CREATE INDEX decisions_subject_ts ON decisions (subject, ts_us);
CREATE INDEX decisions_allowed_ts ON decisions (allowed, ts_us);
