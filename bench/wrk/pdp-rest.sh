#!/usr/bin/env bash
# Measures REST decisions per second of `vigil pdp` with wrk (keep-alive, small input, the v0
# authz policy of examples/authz), decision log on, embedded store in a temporary folder.
# Usage: bench/wrk/pdp-rest.sh [DURATION] [CONNECTIONS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=ready.sh
. "$root/bench/wrk/ready.sh"
duration="${1:-20s}"
connections="${2:-16}"
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 3; }
work="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/bundle"
cp "$root/examples/authz/authz.rego" "$work/bundle/"
# A port below Linux's ephemeral range (32768 and up), so no outgoing connection holds it.
port=$((20000 + RANDOM % 12000))
VIGIL_JAVA_OPTS="-XX:+UseParallelGC -Xms512m -Xmx512m -Dio.netty.leakDetection.level=disabled" \
  "$root/vigil" pdp --v0-compatible --bundle "$work/bundle" --addr "127.0.0.1:$port" \
  --data-dir "$work/data" >"$work/pdp.out" 2>"$work/pdp.err" &
pid=$!
wait_ready "http://127.0.0.1:$port/health" "$pid" "the decision point" "$work/pdp.err"
url="http://127.0.0.1:$port/v1/data/authz/allow"
# Warm-up, then the measured run.
wrk -t1 -c"$connections" -d10s -s "$root/bench/wrk/pdp-rest.lua" "$url" >/dev/null
wrk -t1 -c"$connections" -d"$duration" --latency -s "$root/bench/wrk/pdp-rest.lua" "$url"
echo
curl -s "http://127.0.0.1:$port/metrics" | grep -E '^vigil_decision_log_(written|queued|rejected|lag)'
echo "reproduce: bench/wrk/pdp-rest.sh $duration $connections"
