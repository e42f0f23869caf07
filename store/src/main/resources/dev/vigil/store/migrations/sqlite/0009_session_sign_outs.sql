-- Sessions signed out, refused by every node sharing the store and after restarts until they would
-- have expired anyway (see SessionSignOuts). A session cookie is a bearer credential, so its id is
-- kept only as the hex SHA-256 of the id. The realm says whose sessions they are (the gateway's or
-- the console's, sealed under different keys). Times are epoch seconds: issued_s is when the
-- session began, until_s its absolute expiry as the node that signed it out computed it.
CREATE TABLE session_sign_outs (
  realm TEXT NOT NULL,
  id_sha256 TEXT NOT NULL,
  issued_s INTEGER NOT NULL,
  until_s INTEGER NOT NULL,
  PRIMARY KEY (realm, id_sha256)
);
CREATE INDEX session_sign_outs_until ON session_sign_outs (until_s);
