-- Just-in-time grants (see docs/access.md): requests, their approval or denial, break-glass, and
-- an audit trail of every change, kept apart so that it survives whatever the grant row becomes.
-- Events are numbered per grant (seq), in the order they happened. Times are epoch milliseconds; durations seconds; break_glass is 0 or 1.
CREATE TABLE grants (
  id TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  idp TEXT NOT NULL,
  entitlement TEXT NOT NULL,
  reason TEXT NOT NULL,
  requested_at_ms INTEGER NOT NULL,
  duration_s INTEGER NOT NULL,
  state TEXT NOT NULL,
  decided_by TEXT,
  decided_at_ms INTEGER,
  decision_reason TEXT,
  starts_at_ms INTEGER,
  expires_at_ms INTEGER,
  break_glass INTEGER NOT NULL,
  reviewed_by TEXT,
  reviewed_at_ms INTEGER,
  ended_by TEXT,
  ended_at_ms INTEGER
);
CREATE INDEX grants_state ON grants (state, expires_at_ms);
CREATE INDEX grants_subject ON grants (subject, requested_at_ms);
CREATE TABLE grant_events (
  grant_id TEXT NOT NULL REFERENCES grants (id),
  seq INTEGER NOT NULL,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  reason TEXT NOT NULL,
  PRIMARY KEY (grant_id, seq)
);
