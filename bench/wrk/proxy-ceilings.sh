#!/usr/bin/env bash
# Where the gateway's throughput goes: measures, against the same small upstream (nginx answering
# "ok"), four relays in turn, each with one worker or event loop:
# - nginx as a plain reverse proxy in a process of its own (the baseline of gateway-vs-nginx.sh);
# - bench/ceiling/NettyRelay.java: the least a keep-alive HTTP/1.1 relay on Netty and io_uring
#   does (the JVM and Netty's cost);
# - bench/ceiling/VertxRelay.java: Vert.x's HTTP server and the gateway's own upstream relay, with
#   nothing of the gateway's work per request (what Vert.x's server adds);
# - Vigil's gateway (vigil up, one route, a one-line policy, every decision logged to SQLite).
# The JVMs get WARMUP (30 s by default, in 5 s runs with new connections), nginx 5 s; then ROUNDS
# rounds (3 by default) of DURATION each, and the median of each relay's ratio to nginx. For each
# relay it also prints the CPU time its process spent per request (user and system, from /proc,
# over all rounds): nginx's worker, or the whole JVM (event loop, log writer, collector, compiler).
# Needs nginx and wrk (Debian packages) and the jar (./vigil builds it).
# Usage: [ROUNDS=N] bench/wrk/proxy-ceilings.sh [DURATION] [CONNECTIONS] [WARMUP]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=ready.sh
. "$root/bench/wrk/ready.sh"
# The relays run from source with the jar's classes: the JDK the launcher selects (21 or newer),
# not whatever java is first on PATH.
# shellcheck source=../../scripts/jdk.sh
. "$root/scripts/jdk.sh"
duration="${1:-10s}"
connections="${2:-16}"
warmup="${3:-30s}"
rounds="${ROUNDS:-3}"
for tool in nginx wrk; do
  command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 3; }
done
jar="$root/cli/target/vigil.jar"
[ -f "$jar" ] || "$root/vigil" version >/dev/null
work="$(mktemp -d)"
# Ports below Linux's ephemeral range (32768 and up), so no outgoing connection holds one.
base=$((20000 + RANDOM % 12000))
up=$base; own=$((base + 1)); netty=$((base + 2)); vx=$((base + 3)); gw=$((base + 4)); cp=$((base + 5))
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for pidfile in "$work/up/nginx.pid" "$work/own/nginx.pid"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1; rm -rf "$work"
}
trap cleanup EXIT
# nginx_conf DIR SERVER: an nginx with one worker, no access log, and the given server block.
nginx_conf() {
  mkdir -p "$1/logs"
  cat >"$1/nginx.conf" <<CONF
worker_processes 1;
pid $1/nginx.pid;
error_log $1/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$up; keepalive 64; }
  $2
}
CONF
  nginx -p "$1" -c "$1/nginx.conf"
}
nginx_conf "$work/up" "server { listen 127.0.0.1:$up; location / { return 200 \"ok\n\"; } }"
nginx_conf "$work/own" "server { listen 127.0.0.1:$own; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
jvm=(-XX:+UseParallelGC -Xss4m -Xms512m -Xmx512m -Dio.netty.leakDetection.level=disabled --enable-native-access=ALL-UNNAMED)
java "${jvm[@]}" -cp "$jar" "$root/bench/ceiling/NettyRelay.java" "$netty" "$up" >"$work/netty.log" 2>&1 &
pids+=($!)
java "${jvm[@]}" -cp "$jar" "$root/bench/ceiling/VertxRelay.java" "$vx" "$up" >"$work/vertx.log" 2>&1 &
pids+=($!)
mkdir -p "$work/policy"
printf 'package gw\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.request.method == "GET"\n' >"$work/policy/gw.rego"
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
VIGIL_JAVA_OPTS="${jvm[*]}" "$root/vigil" up --config "$work/vigil.yaml" --data-dir "$work/data" \
  >"$work/vigil.out" 2>"$work/vigil.err" &
pids+=($!)
wait_ready "http://127.0.0.1:$netty/x" "${pids[0]}" "the Netty relay" "$work/netty.log"
wait_ready "http://127.0.0.1:$vx/x" "${pids[1]}" "the Vert.x relay" "$work/vertx.log"
wait_ready "http://127.0.0.1:$gw/x" "${pids[2]}" "the gateway" "$work/vigil.err"
names=(nginx netty vertx gateway)
ports=($own $netty $vx $gw)
# The process whose CPU each relay's requests cost: nginx's worker (the child of its master), and
# each JVM as a whole (the gateway's java is the launcher's child).
cpu_pids=("$(pgrep -P "$(cat "$work/own/nginx.pid")" | head -1)" "${pids[0]}" "${pids[1]}"
  "$(pgrep -P "${pids[2]}" java | head -1 || true)")
[ -n "${cpu_pids[3]}" ] || cpu_pids[3]="${pids[2]}"
# ticks PID: the process's user and system time, in clock ticks.
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
hz="$(getconf CLK_TCK)"
wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$own/x" >/dev/null
warm_s="${warmup%s}"
while [ "$warm_s" -gt 0 ]; do
  chunk=$((warm_s < 5 ? warm_s : 5))
  for port in $netty $vx $gw; do
    wrk -t1 -c"$connections" -d"${chunk}s" "http://127.0.0.1:$port/x" >/dev/null
  done
  warm_s=$((warm_s - chunk))
done
for round in $(seq 1 "$rounds"); do
  for i in 0 1 2 3; do
    before="$(ticks "${cpu_pids[$i]}")"
    wrk -t1 -c"$connections" -d"$duration" --latency "http://127.0.0.1:${ports[$i]}/x" >"$work/last"
    after="$(ticks "${cpu_pids[$i]}")"
    awk -v n="${names[$i]}" -v r="$round" -v t="$((after - before))" '
      function us(v) { if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000; return v * 1e6 }
      /^ +99%/ {p99 = us($2)} /Requests\/sec/ {rps = $2} /requests in/ {reqs = $1}
      END {printf "round %d %-8s %9.0f req/s  p99 %5.0f us\n", r, n, rps, p99; print rps, p99 >> ("'"$work"'/" n)
        print t, reqs >> ("'"$work"'/cpu-" n)}' "$work/last"
  done
done
echo "== medians of $rounds rounds, as a share of nginx's throughput in the same round"
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
for n in netty vertx gateway; do
  ratio="$(paste -d' ' "$work/nginx" "$work/$n" | awk '{print $3 / $1}' | median)"
  p99="$(cut -d' ' -f2 "$work/$n" | median)"
  printf '%-8s %.2f of nginx, p99 %.0f us (nginx %.0f us)\n' "$n" "$ratio" "$p99" "$(cut -d' ' -f2 "$work/nginx" | median)"
done
echo "== CPU time of each relay's process per request, over all rounds"
for n in nginx netty vertx gateway; do
  awk -v n="$n" -v hz="$hz" '{t += $1; r += $2} END {printf "%-8s %5.1f us\n", n, t * 1e6 / hz / r}' "$work/cpu-$n"
done
echo "reproduce: ROUNDS=$rounds bench/wrk/proxy-ceilings.sh $duration $connections $warmup"
