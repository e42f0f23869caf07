package dev.vigil.gateway.edge;

import dev.vigil.gateway.auth.Session;

/**
 * Who sent one request: a person with a session cookie, an API client with a verified bearer token,
 * nobody, or a client whose bearer token was refused (then {@code refusal} says why, for the log
 * only).
 */
record Caller(Session session, boolean bearer, String refusal) {

  static final Caller ANONYMOUS = new Caller(null, false, null);

  static Caller of(Session s) {
    return new Caller(s, false, null);
  }

  static Caller bearer(Session s) {
    return new Caller(s, true, null);
  }

  static Caller refused(String why) {
    return new Caller(null, true, why);
  }
}
