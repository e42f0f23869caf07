-- Leaner indexes on the decision log. Every decision pays for every index at write time, and the
-- console lists newest first (ORDER BY seq), so each filter's index is keyed by the filter and
-- then the row's seq (SQLite appends the rowid, which is seq, to every index entry):
-- * by policy path: all rows,
-- * by subject: only rows with a subject (anonymous requests have none to search by),
-- * denied only: only denied rows, the ones denied-request analysis reads.
DROP INDEX decisions_path_ts;
DROP INDEX decisions_subject_ts;
DROP INDEX decisions_allowed_ts;
CREATE INDEX decisions_path ON decisions (path);
CREATE INDEX decisions_subject ON decisions (subject) WHERE subject IS NOT NULL;
CREATE INDEX decisions_denied ON decisions (allowed) WHERE allowed = 0;
