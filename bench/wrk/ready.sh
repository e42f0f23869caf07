# Sourced by the wrk scripts. wait_ready URL PID WHAT LOG: waits up to 60 s for URL to answer
# while process PID lives; when it does not, prints the last lines of LOG naming WHAT, and exits.
wait_ready() {
  local url="$1" pid="$2" what="$3" log="$4"
  for _ in $(seq 1 120); do
    curl -sf "$url" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  echo "$what did not answer; its log:" >&2
  tail -5 "$log" >&2
  exit 1
}
