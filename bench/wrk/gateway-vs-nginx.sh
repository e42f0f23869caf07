#!/usr/bin/env bash
# Compares, in one run against the same small upstream (nginx answering "ok"): requests/s and
# latency directly, through nginx as a plain reverse proxy, and through Vigil's gateway with a
# policy decision per request. Needs nginx and wrk (Debian packages).
# nginx is measured as a proxy two ways, each with one worker:
# - "nginx, shared worker": the proxy is a second server of the upstream's own nginx, so one
#   worker process both proxies and answers. It needs no wake-up between proxy and upstream, but
#   has one core for both. (The only nginx figure before session 8.)
# - "nginx, own process": the proxy is a separate nginx, in front of the same upstream process,
#   as the gateway is. On 2 cores it is the faster of the two, and the fair one to compare with.
# Each target is warmed up before it is measured: 5 s for the upstream and nginx, WARMUP (30 s by
# default, in runs of 5 s with new connections each) for the gateway, whose JIT compiler needs that
# long on a busy 2-core machine.
# Then both nginx proxies and the gateway are measured in turn, ROUNDS times (3 by default), so
# that a host whose speed drifts from minute to minute weighs on all alike; each round's ratios
# are printed, and the medians of the rounds.
# For the gateway it also prints the CPU time per request of its busiest threads (from /proc) and
# the bytes it had written to disk per request (its decision log), over all its rounds.
# Usage: [ROUNDS=N] bench/wrk/gateway-vs-nginx.sh [DURATION] [CONNECTIONS] [WARMUP]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=ready.sh
. "$root/bench/wrk/ready.sh"
duration="${1:-15s}"
connections="${2:-16}"
warmup="${3:-30s}"
rounds="${ROUNDS:-3}"
# seconds_of 15s|2m|15: a wrk duration in seconds.
seconds_of() {
  case "$1" in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
for tool in nginx wrk; do
  command -v "$tool" >/dev/null || { echo "needs $tool (apt-get install $tool)" >&2; exit 3; }
done
work="$(mktemp -d)"
# Ports below Linux's ephemeral range (32768 and up), so no outgoing connection holds one.
base=$((20000 + RANDOM % 12000))
up=$base; proxy=$((base + 1)); gw=$((base + 2)); cp=$((base + 3)); own=$((base + 4))
cleanup() {
  [ -n "${vigil_pid:-}" ] && kill "$vigil_pid" 2>/dev/null || true
  for pidfile in "$work/nginx.pid" "$work/own-nginx/nginx.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
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
mkdir -p "$work/own-nginx/logs"
cat >"$work/own-nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/own-nginx/nginx.pid;
error_log $work/own-nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$up; keepalive 64; }
  server {
    listen 127.0.0.1:$own;
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -p "$work/own-nginx" -c "$work/own-nginx/nginx.conf"
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
# label NAME: how the summary names an nginx measure.
label() {
  case "$1" in
    nginx) echo "shared worker" ;;
    own) echo "own process" ;;
  esac
}
# measure NAME URL: one measured wrk run; prints its figures and appends "req/s p50 p99" (µs) to
# $work/NAME.
measure() {
  wrk -t1 -c"$connections" -d"$duration" --latency "$2" >"$work/last"
  grep -E 'Requests/sec|^ +(50|99)%' "$work/last"
  awk '
    function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; return v * 1e6 }
    /^ +50%/ {p50 = us($2)} /^ +99%/ {p99 = us($2)} /Requests\/sec/ {r = $2}
    END {print r, p50, p99}' "$work/last" >>"$work/$1"
}
wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$up/x" >/dev/null
echo "== direct to the upstream"
measure direct "http://127.0.0.1:$up/x"
wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$proxy/x" >/dev/null
wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$own/x" >/dev/null
# The gateway's warm-up comes as several runs of at most 5 s, each with new connections: a JIT that
# has only seen connections already open compiles the accept and connect paths out of its hottest
# methods, and then throws that code away (and compiles it again) when the measured run connects.
warm_s="$(seconds_of "$warmup")"
while [ "$warm_s" -gt 0 ]; do
  chunk=$((warm_s < 5 ? warm_s : 5))
  wrk -t1 -c"$connections" -d"${chunk}s" "http://127.0.0.1:$gw/x" >/dev/null
  warm_s=$((warm_s - chunk))
done
for round in $(seq 1 "$rounds"); do
  echo "== round $round: through nginx (reverse proxy, shared worker)"
  measure nginx "http://127.0.0.1:$proxy/x"
  echo "== round $round: through nginx (reverse proxy, own process)"
  measure own "http://127.0.0.1:$own/x"
  echo "== round $round: through Vigil's gateway (decision per request, logged)"
  snapshot before
  measure gw "http://127.0.0.1:$gw/x"
  snapshot after
  # CPU and disk counters add up over the rounds.
  join "$work/cpu-before" "$work/cpu-after" | awk '{print $1, $3 - $2}' >"$work/cpu-round"
  if [ -f "$work/cpu-sum" ]; then
    join -a1 -a2 -e0 -o0,1.2,2.2 "$work/cpu-sum" "$work/cpu-round" | awk '{print $1, $2 + $3}' >"$work/cpu-next"
    mv "$work/cpu-next" "$work/cpu-sum"
  else
    mv "$work/cpu-round" "$work/cpu-sum"
  fi
  echo $(($(cat "$work/io-after") - $(cat "$work/io-before"))) >>"$work/io-rounds"
  for base_name in nginx own; do
    paste -d' ' <(tail -1 "$work/$base_name") <(tail -1 "$work/gw") | awk -v r="$round" -v b="$(label "$base_name")" '
      {printf "round %d: gateway/nginx (%s) throughput %.2f, added p99 %.2f ms\n", r, b, $4 / $1, ($6 - $3) / 1000}'
  done
done
echo "== summary of $rounds rounds"
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for base_name in nginx own; do
  paste -d' ' "$work/$base_name" "$work/gw" | awk '{print $4 / $1, ($6 - $3) / 1000}' >"$work/ratios"
  printf 'gateway/nginx (%s) throughput: median %.2f (rounds: %s)\n' "$(label "$base_name")" \
    "$(cut -d' ' -f1 "$work/ratios" | median)" "$(cut -d' ' -f1 "$work/ratios" | xargs printf '%.2f ' | sed 's/ $//')"
  printf 'gateway added p99 over nginx (%s): median %.2f ms (rounds: %s ms)\n' "$(label "$base_name")" \
    "$(cut -d' ' -f2 "$work/ratios" | median)" "$(cut -d' ' -f2 "$work/ratios" | xargs printf '%.2f ' | sed 's/ $//')"
done
# Per proxied request, over the gateway's rounds: CPU of its busiest threads and of the whole JVM,
# and disk writes.
seconds="$(seconds_of "$duration")"
requests="$(awk -v d="$seconds" '{n += $1 * d} END {print n}' "$work/gw")"
hz="$(getconf CLK_TCK)"
awk -v n="$requests" -v hz="$hz" '
  { d = $2 * 1e6 / hz / n; total += d; if (d >= 0.5) printf "gateway CPU per request, %s: %.1f µs\n", $1, d }
  END { printf "gateway CPU per request, whole JVM: %.1f µs\n", total }' "$work/cpu-sum"
awk -v n="$requests" -v d="$seconds" -v r="$rounds" '{b += $1}
  END {printf "gateway disk writes: %.0f MB/s, %.0f bytes per request\n", b / d / r / 1e6, b / n}' "$work/io-rounds"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "reproduce: ROUNDS=$rounds bench/wrk/gateway-vs-nginx.sh $duration $connections $warmup"
