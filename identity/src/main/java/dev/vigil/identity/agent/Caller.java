package dev.vigil.identity.agent;

/** A process on the other end of the Workload API socket, from the socket's peer credentials. */
record Caller(int pid, int uid, int gid) {}
