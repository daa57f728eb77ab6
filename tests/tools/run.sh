#!/usr/bin/env bash
# The outside tools against the real server.
#   1. the graphql-http audit (GraphQL over HTTP conformance): 0 errors, 0 warnings;
#   2. schemathesis against /graphql, the schema loaded from the URL with a staff token,
#      then again with a manager's (decisions, answers, extensions): 0 server errors.
# The tools are pinned (tests/tools/package.json, SCHEMATHESIS below) and installed into
# target/tools/ (npm, a Python venv); a re-run reuses them. The server is the debug binary
# in demo mode on a SQLite file under a temporary directory and a free port; it is
# stopped on every exit path. Prints one figure line per tool; exits non-zero otherwise.
# Environment: SCHEMATHESIS_MAX_EXAMPLES (default 50) cases per operation.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
tools="$root/target/tools"
SCHEMATHESIS=4.32.5
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-50}"

# --- install (cached) ---------------------------------------------------------------
mkdir -p "$tools/node"
if ! cmp -s tests/tools/package.json "$tools/node/package.json" || [ ! -d "$tools/node/node_modules/graphql-http" ]; then
  cp tests/tools/package.json "$tools/node/package.json"
  (cd "$tools/node" && npm install --no-audit --no-fund --silent --no-package-lock)
fi
cp tests/tools/audit.mjs "$tools/node/audit.mjs"
if [ "$("$tools/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS" ]; then
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS"
fi

# --- the server -----------------------------------------------------------------------
source tests/tools/demo_server.sh
# A rate limit of 1,200 a minute per principal would answer schemathesis with 429s, which
# say nothing about the server's handling of what it sends (the limit has its own tests).
start_demo_server MFO_RATE_LIMIT_PER_MINUTE=1000000
token=$(demo_token "MFO_STAFF, Qomeq Finance")
manager=$(demo_token "MFO_MANAGER, Qomeq Finance")
[ -n "$token" ] && [ -n "$manager" ] || { echo "no staff or manager token in the demo's output" >&2; exit 1; }

status=0

# --- 1. graphql-http audit ---------------------------------------------------------------
node "$tools/node/audit.mjs" "$url" "$token" || status=1

# --- 2. schemathesis ----------------------------------------------------------------------
# Every response is judged from the HAR record: a server error is an HTTP 5xx or a GraphQL
# error coded INTERNAL (or with no code at all). schemathesis's own not_a_server_error
# check runs too, but for GraphQL it counts every `errors` entry that is not a validation
# error, and the contract (DESIGN.md) answers a random id with a top-level NOT_FOUND and a
# role's missing right with FORBIDDEN: those are tallied by code, not counted as failures.
# From the temporary directory: schemathesis keeps a `.schemathesis/` folder in its cwd.
schemathesis() { # <label> <token>
  local label=$1 tok=$2
  (
    cd "$work"
    MFO_ST_URL="$url" MFO_ST_TOKEN="$tok" PYTHONPATH="$root/tests/tools" SCHEMATHESIS_HOOKS=st_hooks \
      "$tools/venv/bin/st" run "$url" \
      --header "Authorization: Bearer $tok" \
      --checks not_a_server_error \
      --continue-on-failure \
      --max-examples "$max_examples" \
      --seed 9 \
      --generation-database none \
      --workers 2 \
      --no-color \
      --report har --report-har-path "$work/$label.har" \
      >"$work/$label.out" 2>&1
  ) || true # its exit status counts NOT_FOUND as a failure: st_judge.py decides
  python3 tests/tools/st_judge.py "$label" "$work/$label.har" "$work/$label.out"
}
schemathesis staff "$token" || status=1
schemathesis manager "$manager" || status=1

exit "$status"
