#!/usr/bin/env bash
# The partner examples of the README ("Use it from your code") against a real server, so
# they never rot: the three flows (agency, mobile app, regulator) in Python (gql with its
# aiohttp and websockets transports) and TypeScript (fetch, graphql-ws over ws, run by tsx).
# The dependencies are pinned (examples/python/requirements.txt, examples/ts/package-lock.json)
# and installed into target/tools/ (a venv, an npm folder); a re-run reuses them. The server
# is the debug binary in demo mode on a SQLite file under a temporary directory and a free
# port; it is stopped on every exit path. Each program must print its expected outcome;
# prints one summary line and exits non-zero if any did not.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
tools="$root/target/tools"

# --- install (cached) ---------------------------------------------------------------
venv="$tools/examples-venv"
if ! cmp -s examples/python/requirements.txt "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r examples/python/requirements.txt
  cp examples/python/requirements.txt "$venv/requirements.txt"
fi
ts="$tools/examples-ts"
mkdir -p "$ts"
if ! cmp -s examples/ts/package-lock.json "$ts/package-lock.json" || [ ! -d "$ts/node_modules/graphql-ws" ]; then
  cp examples/ts/package.json examples/ts/package-lock.json "$ts/"
  (cd "$ts" && npm ci --no-audit --no-fund --silent)
fi
# The programs run from beside their node_modules (tsx resolves imports from the file).
cp examples/ts/*.ts examples/ts/tsconfig.json "$ts/"
(cd "$ts" && npx --no-install tsc --noEmit -p .)

# --- the server -----------------------------------------------------------------------
source tests/tools/demo_server.sh
# The webhook receiver listens on 127.0.0.1: the demo may call a private address.
start_demo_server MFO_WEBHOOK_ALLOW_PRIVATE=true
export MFO_URL="$url"
MFO_AGENCY_TOKEN=$(demo_token "COLLECTION_AGENCY Collect KZ")
MFO_BORROWER_TOKEN=$(demo_token "BORROWER Aigerim Sadykova")
MFO_MANAGER_TOKEN=$(demo_token "MFO_MANAGER, Qomeq Finance")
MFO_REGULATOR_TOKEN=$(demo_token "REGULATOR (KZ)")
export MFO_AGENCY_TOKEN MFO_BORROWER_TOKEN MFO_MANAGER_TOKEN MFO_REGULATOR_TOKEN
for v in MFO_AGENCY_TOKEN MFO_BORROWER_TOKEN MFO_MANAGER_TOKEN MFO_REGULATOR_TOKEN; do
  [ -n "${!v}" ] || { echo "no $v in the demo's output" >&2; exit 1; }
done

# --- the programs -------------------------------------------------------------------
passed=0
failed=0
# run <name> <expected line (an extended regex)> <command...>
run() {
  local name=$1 expected=$2
  local out="$work/${name//\//-}.out"
  shift 2
  if timeout 60 "$@" >"$out" 2>&1 && grep -Eq "$expected" "$out"; then
    passed=$((passed + 1))
    echo "  ok   $name: $(grep -E "$expected" "$out" | head -1)"
  else
    failed=$((failed + 1))
    echo "  FAIL $name (expected /$expected/):"
    sed 's/^/       /' "$out" || true
  fi
}
agency='^contact recorded: .*, clearance ACCEPTED'
app='^decision arrived: APPROVE'
regulator='^replayed 2 escalations after the saved cursor$'
py="$venv/bin/python"
run python/agency "$agency" "$py" examples/python/agency.py
run python/app "$app" "$py" examples/python/app.py
run python/regulator "$regulator" "$py" examples/python/regulator.py
run python/webhooks '^webhook verified: borrower\.created ' "$py" examples/python/webhooks.py
run ts/agency "$agency" bash -c "cd '$ts' && exec npx --no-install tsx agency.ts"
run ts/app "$app" bash -c "cd '$ts' && exec npx --no-install tsx app.ts"
run ts/regulator "$regulator" bash -c "cd '$ts' && exec npx --no-install tsx regulator.ts"

echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
