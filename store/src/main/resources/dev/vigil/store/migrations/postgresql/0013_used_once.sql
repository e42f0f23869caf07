-- Single-use values already used, kept until they would have expired anyway (see UsedOnce): the
-- state of an OpenID Connect sign-in, so that its callback is taken once on any node sharing the
-- store. A value is kept only as the hex SHA-256 of its kind and text; until_s is epoch seconds.
CREATE TABLE used_once (
  key_sha256 TEXT PRIMARY KEY,
  until_s BIGINT NOT NULL
);
CREATE INDEX used_once_until ON used_once (until_s);
