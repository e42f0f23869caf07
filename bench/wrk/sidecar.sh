#!/usr/bin/env bash
# Measures what two Vigil sidecars cost on a workload-to-workload call, against the same small app
# (nginx answering "ok"): requests/s and latency directly to the app, then through
#   caller (wrk) --http--> sidecar A, outbound listener --mTLS--> sidecar B, STRICT inbound
#   (peer SVID verified, decision per request, logged) --http--> app
# Both sidecars get real X.509-SVIDs of one trust domain from a `vigil agent`, with registration
# entries made by `vigil identity entry create`, as in docs/sidecar.md.
#
# Needs nginx, wrk, curl and setpriv (util-linux), and root (or CAP_SETGID): the agent tells
# workloads apart by what the kernel says about the caller, so sidecar A and sidecar B run with
# group ids of their own (random, above 60000) and each entry selects its sidecar by uid and gid.
# Everything listens on 127.0.0.1, on random high ports; every process started here is stopped
# at the end, on failure and on Ctrl-C too.
# The app is warmed up for 5 s, the sidecars for WARMUP (30 s by default: the JIT compiler needs
# that long on a busy 2-core machine), before each is measured for DURATION.
# With MODE tcp, it measures a TCP listener pair (protocol: tcp) instead: MB/s of one bulk
# transfer of TCP_MB megabytes (default 4096) from socat to a socat sink, straight and through
#   socat --tcp--> sidecar A, TCP outbound --mTLS--> sidecar B, TCP inbound --tcp--> sink
# after TCP_MB/2 through the sidecars as warm-up, and connections/s of short connections (each
# one verified, decided and logged by sidecar B). Needs socat too.
# Usage: bench/wrk/sidecar.sh [DURATION] [CONNECTIONS] [WARMUP] [MODE: http|tcp]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
duration="${1:-15s}"
connections="${2:-16}"
warmup="${3:-30s}"
mode="${4:-http}"
tcp_mb="${TCP_MB:-4096}"
tools="nginx wrk curl setpriv"
[ "$mode" = tcp ] && tools="$tools socat"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 3; }
done
if [ "$(id -u)" != 0 ]; then
  echo "needs root (setpriv gives each sidecar its own group id, which the agent attests)" >&2
  exit 3
fi
# Builds the command-line jar now if the sources changed, before any process is started.
"$root/vigil" --help >/dev/null

work="$(mktemp -d)"
# Ports below Linux's ephemeral range (32768 and up), so no outgoing connection holds one.
base=$((20000 + RANDOM % 12000))
up=$base; out=$((base + 1)); in=$((base + 2))
sink=$((base + 3)); tcp_out=$((base + 4)); tcp_in=$((base + 5))
gid_a=$((60000 + RANDOM % 5000)); gid_b=$((gid_a + 1))
td="bench.test"
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 1; rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/logs" "$work/policy"

cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  server { listen 127.0.0.1:$up; location / { return 200 "ok\n"; } }
}
CONF
nginx -p "$work" -c "$work/nginx.conf"

# One CA and one agent for both workloads; the CA key lives only in this run's environment.
VIGIL_CA_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
export VIGIL_CA_KEY
for w in a b; do
  gid_var="gid_$w"
  "$root/vigil" identity entry create --data-dir "$work/ca" --spiffe-id "spiffe://$td/$w" \
    --selector "unix:uid:$(id -u)" --selector "unix:gid:${!gid_var}" >"$work/entry-$w.out" 2>&1 \
    || { cat "$work/entry-$w.out" >&2; exit 1; }
done
agent_opts="-XX:+UseSerialGC -Xmx128m --enable-native-access=ALL-UNNAMED"
VIGIL_JAVA_OPTS="$agent_opts" "$root/vigil" agent --data-dir "$work/ca" \
  --socket "$work/agent.sock" >"$work/agent.out" 2>"$work/agent.err" &
pids+=($!)
for _ in $(seq 1 120); do [ -S "$work/agent.sock" ] && break; sleep 0.5; done
[ -S "$work/agent.sock" ] || { echo "the agent did not start:" >&2; tail "$work/agent.err" >&2; exit 1; }

cat >"$work/policy/sidecar.rego" <<REGO
package sidecar

import rego.v1

default allow := false

allow if {
  input.subject.spiffe_id == "spiffe://$td/a"
  input.request.method == "GET"
}

allow if {
  input.subject.spiffe_id == "spiffe://$td/a"
  input.request.protocol == "tcp"
}
REGO
cat >"$work/b.yaml" <<YAML
workload_api: unix:$work/agent.sock
inbound:
  - name: app-b
    listen: 127.0.0.1:$in
    peer_mode: STRICT
    app: http://127.0.0.1:$up
    policy: sidecar/allow
    resource: {service: app-b}
  - name: sink-b
    listen: 127.0.0.1:$tcp_in
    protocol: tcp
    app: 127.0.0.1:$sink
    policy: sidecar/allow
    resource: {service: sink-b}
YAML
cat >"$work/a.yaml" <<YAML
workload_api: unix:$work/agent.sock
outbound:
  - name: to-b
    listen: 127.0.0.1:$out
    target: 127.0.0.1:$in
    expect: spiffe://$td/b
  - name: to-sink
    listen: 127.0.0.1:$tcp_out
    protocol: tcp
    target: 127.0.0.1:$tcp_in
    expect: spiffe://$td/b
YAML
opts="-XX:+UseParallelGC -Xss4m -Xms256m -Xmx256m -Dio.netty.leakDetection.level=disabled ${BENCH_JAVA_OPTS:-}"
VIGIL_JAVA_OPTS="$opts --enable-native-access=ALL-UNNAMED" \
  setpriv --regid "$gid_b" --clear-groups \
  "$root/vigil" sidecar --config "$work/b.yaml" --bundle "$work/policy" --data-dir "$work/b" \
  >"$work/b.out" 2>"$work/b.err" &
pids+=($!)
VIGIL_JAVA_OPTS="$opts --enable-native-access=ALL-UNNAMED" \
  setpriv --regid "$gid_a" --clear-groups \
  "$root/vigil" sidecar --config "$work/a.yaml" --data-dir "$work/a" \
  >"$work/a.out" 2>"$work/a.err" &
pids+=($!)
ready=""
for _ in $(seq 1 120); do
  if [ "$(curl -s "http://127.0.0.1:$out/x" 2>/dev/null)" = "ok" ]; then ready=1; break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "no answer from the app through the sidecars; their logs:" >&2
  for f in agent.err a.out a.err b.out b.err; do echo "-- $f" >&2; tail -5 "$work/$f" >&2; done
  curl -s "http://127.0.0.1:$out/x" >&2 || true
  exit 1
fi
cat "$work/b.out" "$work/a.out"

if [ "$mode" = tcp ]; then
  # The sink reads every connection to its end and throws the bytes away.
  socat -u "TCP-LISTEN:$sink,bind=127.0.0.1,reuseaddr,fork" OPEN:/dev/null &
  pids+=($!)
  sleep 1
  # Sends MB megabytes of zeros to 127.0.0.1:PORT and prints MB/s.
  bulk() {
    local t0 t1
    t0=$(date +%s.%N)
    head -c "$(($2 * 1024 * 1024))" /dev/zero | socat -u -b 262144 - "TCP:127.0.0.1:$1"
    t1=$(date +%s.%N)
    awk -v mb="$2" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f\n", mb / (b - a)}'
  }
  # Opens N connections one after another, each sending 5 bytes, and prints connections/s.
  conns() {
    local t0 t1 i
    t0=$(date +%s.%N)
    for i in $(seq 1 "$2"); do echo ping | socat -u - "TCP:127.0.0.1:$1"; done
    t1=$(date +%s.%N)
    awk -v n="$2" -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f\n", n / (b - a)}'
  }
  bulk "$sink" "$tcp_mb" >/dev/null
  direct=$(bulk "$sink" "$tcp_mb")
  echo "== direct to the sink: $direct MB/s"
  bulk "$tcp_out" "$((tcp_mb / 2))" >/dev/null
  conns "$tcp_out" 200 >/dev/null
  through=$(bulk "$tcp_out" "$tcp_mb")
  echo "== through sidecar A (TCP outbound) and sidecar B (TCP inbound): $through MB/s"
  awk -v s="$through" -v d="$direct" 'BEGIN {printf "sidecars/direct throughput: %.2f\n", s / d}'
  echo "== short connections: direct $(conns "$sink" 500)/s," \
    "through the sidecars $(conns "$tcp_out" 500)/s (each decided and logged)"
  echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "reproduce: TCP_MB=$tcp_mb bench/wrk/sidecar.sh $duration $connections $warmup tcp"
  exit 0
fi

run() {
  wrk -t1 -c"$connections" -d"${3:-5s}" "$2" >/dev/null
  echo "== $1"
  wrk -t1 -c"$connections" -d"$duration" --latency "$2" \
    | grep -E 'Requests/sec|^ +(50|99)%' | tee "$work/last"
  awk '/Requests\/sec/ {print $2}' "$work/last" >"$work/rps-$4"
}
run "direct to the app (nginx)" "http://127.0.0.1:$up/x" 5s direct
run "through sidecar A (outbound) and sidecar B (STRICT inbound, decision per request, logged)" \
  "http://127.0.0.1:$out/x" "$warmup" sidecars
awk -v s="$(cat "$work/rps-sidecars")" -v d="$(cat "$work/rps-direct")" \
  'BEGIN {printf "sidecars/direct throughput: %.2f\n", s / d}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: bench/wrk/sidecar.sh $duration $connections $warmup"
