-- The decision log: one row per decision, the full event as JSON beside the columns
-- that `vigil logs` filters on.
CREATE TABLE decisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  decision_id TEXT NOT NULL UNIQUE,
  ts_us INTEGER NOT NULL,
  path TEXT NOT NULL,
  subject TEXT,
  route TEXT,
  allowed INTEGER NOT NULL,
  mode TEXT NOT NULL,
  enforced INTEGER NOT NULL,
  node TEXT NOT NULL,
  event TEXT NOT NULL
);
CREATE INDEX decisions_ts ON decisions (ts_us);
CREATE INDEX decisions_path_ts ON decisions (path, ts_us);
CREATE INDEX decisions_subject_ts ON decisions (subject, ts_us);
CREATE INDEX decisions_allowed_ts ON decisions (allowed, ts_us);
