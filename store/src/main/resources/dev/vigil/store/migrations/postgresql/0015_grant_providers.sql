-- The OpenID Connect provider of who decided a grant and of who made each event (docs/access.md):
-- a provider's user may approve, and a user id names a person only with its provider. NULL is a
-- local user of vigil.yaml, or the node itself (vigil), as every row stored before this was.
ALTER TABLE grants ADD COLUMN decided_by_idp TEXT;
ALTER TABLE grant_events ADD COLUMN actor_idp TEXT;
