# Sourced by ./vigil and scripts/test: selects a JDK 21 or newer and makes sure Maven exists.
# Sets JAVA_HOME and puts its bin first on PATH; exits with a clear message when none is found.

vigil_java_major() {
  # Prints the major version of the java binary given, or 0.
  "$1" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9][0-9]*\).*/\1/p' | head -1
}

vigil_select_jdk() {
  local candidates=() best="" best_major=0 c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  # Prefer the newest JDK installed beside the system one (JDK 25 where present).
  for c in /usr/lib/jvm/*; do [ -x "$c/bin/javac" ] && candidates+=("$c"); done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(vigil_java_major "$c/bin/java")
    major=${major:-0}
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then
      best="$c"
      best_major="$major"
    fi
  done
  if [ -z "$best" ]; then
    echo "vigil: needs a JDK 21 or newer (with javac); none found in JAVA_HOME, /usr/lib/jvm or PATH." >&2
    echo "vigil: install one (for example Temurin 21 or 25) and set JAVA_HOME to it." >&2
    exit 3
  fi
  export JAVA_HOME="$best"
  export VIGIL_JAVA_MAJOR="$best_major"
  export PATH="$JAVA_HOME/bin:$PATH"
}

vigil_ensure_maven() {
  if ! command -v mvn >/dev/null 2>&1; then
    echo "vigil: Maven not found; installing Debian's maven package" >&2
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) >&2 || {
        echo "vigil: could not install Maven with apt-get; install it and retry" >&2
        exit 3
      }
    else
      echo "vigil: install Apache Maven 3.8 or newer and retry" >&2
      exit 3
    fi
  fi
}

vigil_select_jdk
vigil_ensure_maven
