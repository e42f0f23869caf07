#!/usr/bin/env bash
# Compares, in one run against the same small upstream (nginx answering "ok"): requests/s and
# latency directly, through nginx as a plain reverse proxy, and through Vigil's gateway with a
# policy decision per request. Needs nginx and wrk (Debian packages).
# Each target is warmed up before it is measured: 5 s for the upstream and nginx, WARMUP (30 s by
# default) for the gateway, whose JIT compiler needs that long on a busy 2-core machine.
# For the gateway it also prints the CPU time per request of its busiest threads (from /proc) and
# the bytes it had written to disk per request (its decision log).
# Usage: bench/wrk/gateway-vs-nginx.sh [DURATION] [CONNECTIONS] [WARMUP]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=ready.sh
. "$root/bench/wrk/ready.sh"
duration="${1:-15s}"
connections="${2:-16}"
warmup="${3:-30s}"
for tool in nginx wrk; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 3; }
done
work="$(mktemp -d)"
# Ports below Linux's ephemeral range (32768 and up), so no outgoing connection holds one.
base=$((20000 + RANDOM % 12000))
up=$base; proxy=$((base + 1)); gw=$((base + 2)); cp=$((base + 3))
cleanup() {
  [ -n "${vigil_pid:-}" ] && kill "$vigil_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 1; [ -n "${KEEP:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/logs" "$work/policy"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$up; keepalive 64; }
  server { listen 127.0.0.1:$up; location / { return 200 "ok\n"; } }
  server {
    listen 127.0.0.1:$proxy;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$work" -c "$work/nginx.conf"
cat >"$work/policy/gw.rego" <<'REGO'
package gw

import rego.v1

default allow := false

allow if input.request.method == "GET"
REGO
cat >"$work/vigil.yaml" <<YAML
control_plane:
  addr: 127.0.0.1:$cp
gateway:
  addr: 127.0.0.1:$gw
  tls_addr: "off"
policy:
  bundle: policy
routes:
  - name: app
    upstream: http://127.0.0.1:$up
    policy: gw/allow
YAML
opts="-XX:+UseParallelGC -Xss4m -Xms512m -Xmx512m -Dio.netty.leakDetection.level=disabled ${BENCH_JAVA_OPTS:-}"
VIGIL_JAVA_OPTS="$opts --enable-native-access=ALL-UNNAMED" \
  "$root/vigil" up --config "$work/vigil.yaml" --data-dir "$work/data" \
  >"$work/vigil.out" 2>"$work/vigil.err" &
vigil_pid=$!
wait_ready "http://127.0.0.1:$gw/x" "$vigil_pid" "the gateway" "$work/vigil.err"
# The gateway's CPU time by thread name (user and system, in clock ticks), and the bytes it has
# had written to disk: read before and after its measured run.
snapshot() {
  for t in /proc/"$vigil_pid"/task/*; do
    printf '%s %s\n' "$(tr ' ' _ <"$t/comm")" "$(sed 's/^.*) //' "$t/stat" | awk '{print $12 + $13}')"
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort >"$work/cpu-$1"
  awk '/^write_bytes/ {print $2}' /proc/"$vigil_pid"/io >"$work/io-$1"
}
run() {
  wrk -t1 -c"$connections" -d"${3:-5s}" "$2" >/dev/null
  echo "== $1"
  [ "$4" = gw ] && snapshot before
  wrk -t1 -c"$connections" -d"$duration" --latency "$2" \
    | grep -E 'Requests/sec|^ +(50|99)%' | tee "$work/last"
  [ "$4" = gw ] && snapshot after
  awk '/Requests\/sec/ {print $2}' "$work/last" >"$work/rps-$4"
}
run "direct to the upstream" "http://127.0.0.1:$up/x" 5s direct
run "through nginx (reverse proxy)" "http://127.0.0.1:$proxy/x" 5s nginx
run "through Vigil's gateway (decision per request, logged)" "http://127.0.0.1:$gw/x" "$warmup" gw
awk -v g="$(cat "$work/rps-gw")" -v n="$(cat "$work/rps-nginx")" \
  'BEGIN {printf "gateway/nginx throughput: %.2f\n", g / n}'
# Per proxied request: CPU of the gateway's busiest threads and of the whole JVM, and disk writes.
case "$duration" in
  *m) seconds=$((${duration%m} * 60)) ;;
  *s) seconds="${duration%s}" ;;
  *) seconds="$duration" ;;
esac
requests="$(awk -v r="$(cat "$work/rps-gw")" -v d="$seconds" 'BEGIN {print r * d}')"
hz="$(getconf CLK_TCK)"
join "$work/cpu-before" "$work/cpu-after" | awk -v n="$requests" -v hz="$hz" '
  { d = ($3 - $2) * 1e6 / hz / n; total += d; if (d >= 0.5) printf "gateway CPU per request, %s: %.1f µs\n", $1, d }
  END { printf "gateway CPU per request, whole JVM: %.1f µs\n", total }'
awk -v a="$(cat "$work/io-before")" -v b="$(cat "$work/io-after")" -v n="$requests" -v d="$seconds" \
  'BEGIN {printf "gateway disk writes: %.0f MB/s, %.0f bytes per request\n", (b - a) / d / 1e6, (b - a) / n}'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: bench/wrk/gateway-vs-nginx.sh $duration $connections $warmup"
