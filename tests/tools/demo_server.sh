# Sourced (not run) by the scripts that drive a demo server from outside: tests/tools/run.sh
# (the outside tools) and examples/run.sh. Needs `$root` (the repository). `start_demo_server
# [VAR=value ...]` builds the debug binary and starts `serve --demo` on a SQLite file in a
# fresh temporary directory `$work` and a free port, with the variables given added to its
# environment, and waits for /healthz; it sets `$port` and `$url` (the /graphql endpoint)
# and stops the server on every exit path. `demo_token <label>` prints the token the demo
# printed on the line after the line starting with <label>.

start_demo_server() {
  cargo build -q --bin mfo-api
  work=$(mktemp -d)
  pid=""
  trap stop_demo_server EXIT
  trap 'exit 130' INT TERM
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  env MFO_DATABASE_URL="sqlite://$work/demo.db?mode=rwc" MFO_LOG=warn "$@" \
    target/debug/mfo-api serve --demo --listen "127.0.0.1:$port" >"$work/server.out" 2>"$work/server.err" &
  pid=$!
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    kill -0 "$pid" 2>/dev/null || { cat "$work/server.err" >&2; echo "the server did not start" >&2; exit 1; }
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "the server did not answer /healthz" >&2; exit 1; }
  url="http://127.0.0.1:$port/graphql"
}

stop_demo_server() {
  cd "$root"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}

demo_token() {
  awk -v label="$1" 'index($0, label) == 1 { getline; print; exit }' "$work/server.out"
}
