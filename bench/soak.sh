#!/usr/bin/env bash
# The soak: does the server's memory stay bounded under steady mixed load? It starts the
# binary on a fresh database with a portfolio, runs bench/soak.py against it (reads and
# registerComplaint alternating every 10 s on 8 connections, WebSocket subscribers to
# escalations and complaintUpdates reconnecting all along; every answer checked), samples
# the RSS every few seconds and fails when the RSS grew more than SOAK_MAX_GROWTH_MB
# between the end of the warm-up and the end of the run, or when any request failed.
#
#   bench/soak.sh                                  # 30 minutes, PostgreSQL, 20,000 loans, release build
#   SOAK_SECONDS=90 SOAK_DB=sqlite bench/soak.sh   # a short one on SQLite (.ci/run)
#
# Settings: SOAK_DB (postgres | sqlite), SOAK_SECONDS (1800), SOAK_WARMUP_SECONDS (120),
# SOAK_LOANS (20000 on PostgreSQL through bench/load.sql, 200 through the API on SQLite),
# SOAK_MAX_GROWTH_MB (8), SOAK_BIN (target/release/mfo-api, built unless
# BENCH_SKIP_BUILD=1), SOAK_PORT (18090), SOAK_CURVE (a CSV of `seconds,rss_kb`), BENCH_PG,
# and soak.py's own (SOAK_CONNECTIONS, SOAK_SUBSCRIBERS, SOAK_PHASE_SECONDS, ...).
# Prints `soak: <db> rss start <MB> end <MB> growth <MB>` and the request counts; with
# SOAK_RECORD=1 it also writes the "Soak" section of bench/RESULTS.md (date, commit, the
# figures and the RSS minute by minute), replacing the one there.
set -euo pipefail
cd "$(dirname "$0")/.."

DBKIND=${SOAK_DB:-postgres}
export SOAK_SECONDS=${SOAK_SECONDS:-1800}
export SOAK_WARMUP_SECONDS=${SOAK_WARMUP_SECONDS:-120}
MAX_GROWTH=${SOAK_MAX_GROWTH_MB:-8}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${SOAK_PORT:-18090}
BIN=${SOAK_BIN:-target/release/mfo-api}
CURVE=${SOAK_CURVE:-target/soak-$DBKIND.csv}
export MFO_JWT_SECRET=soak-secret-soak-secret-soak-secret-0123456

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ "$BIN" = target/release/mfo-api ]; then
  echo "== release build"
  cargo build --release -q
fi
[ -x "$BIN" ] || { echo "soak: $BIN is missing" >&2; exit 1; }
mkdir -p "$(dirname "$CURVE")"

SERVER=""; DB=""; SQLDIR=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$DB" ] && psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  [ -n "$SQLDIR" ] && rm -rf "$SQLDIR" || true
}
trap cleanup EXIT

case "$DBKIND" in
  postgres)
    LOANS=${SOAK_LOANS:-20000}
    DB="mfo_soak_$$"
    DBURL="$PG/$DB?sslmode=disable"
    psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
    ;;
  sqlite)
    LOANS=${SOAK_LOANS:-200}
    SQLDIR=$(mktemp -d)
    DBURL="sqlite://$SQLDIR/soak.db?mode=rwc"
    ;;
  *) echo "soak: SOAK_DB is postgres or sqlite" >&2; exit 1 ;;
esac
export MFO_DATABASE_URL=$DBURL
$BIN migrate >/dev/null
MFO=$($BIN org create --kind MFO --name "Soak MFO" --jurisdiction KZ --address "Almaty")
REG=$($BIN org create --kind REGULATOR --name "Soak Regulator" --jurisdiction KZ)
STAFF=$($BIN token --role MFO_STAFF --org "$MFO" --ttl 12h)
REGULATOR=$($BIN token --role REGULATOR --org "$REG" --ttl 12h)
if [ "$DBKIND" = postgres ]; then
  AGENCY=$($BIN org create --kind COLLECTION_AGENCY --name "Soak Agency" --jurisdiction KZ)
  psql "$DBURL" -q -v loans="$LOANS" -v borrowers=$((LOANS / 3)) -v complaints=$((LOANS / 6 > 50 ? LOANS / 6 : 50)) \
    -v mfo="$MFO" -v agency="$AGENCY" -v assigned=$((LOANS / 20)) -f bench/load.sql
fi

# The rate limit out of the way (the soak measures memory, not the limiter); the
# scanner on its default interval, as in production.
MFO_LISTEN="127.0.0.1:$PORT" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn $BIN serve \
  >"target/soak-server-$DBKIND.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "soak: the server did not start" >&2; cat "target/soak-server-$DBKIND.log" >&2; exit 1; }
URL="http://127.0.0.1:$PORT/graphql"
if [ "$DBKIND" = sqlite ]; then
  python3 bench/seed_api.py "$URL" "$STAFF" "$LOANS" >/dev/null
fi

read -r START END GROWTH READS WRITES EVENTS FAILURES < <(python3 bench/soak.py "$URL" "$SERVER" "$STAFF" "$REGULATOR" "$CURVE")
echo "soak: $DBKIND rss start $START end $END growth $GROWTH (MB; bound $MAX_GROWTH MB over ${SOAK_SECONDS}s after ${SOAK_WARMUP_SECONDS}s warm-up; $LOANS loans; $READS reads, $WRITES writes, $EVENTS subscription events, $FAILURES failures)"
kill -0 "$SERVER" 2>/dev/null || { echo "soak: the server died" >&2; exit 1; }
if [ "${SOAK_RECORD:-0}" = 1 ]; then
  python3 - bench/RESULTS.md "$CURVE" "$DBKIND" "$LOANS" "$START" "$END" "$GROWTH" "$MAX_GROWTH" "$READS" "$WRITES" \
    "$EVENTS" "$FAILURES" "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' + uncommitted changes')" \
    "$(basename "$BIN")" <<'PY'
import datetime, sys
out, curve, db, loans, start, end, growth, bound, reads, writes, events, failures, commit, binary = sys.argv[1:]
rows = [l.split(",") for l in open(curve).read().strip().splitlines()[1:]]
samples = [(float(s), int(kb)) for s, kb in rows]
minute = [f"| {int(s // 60)} | {kb / 1024:.1f} |" for s, kb in samples if int(s) % 60 < 5 or s == samples[-1][0]]
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
section = "\n".join([
    "## Soak (bench/soak.sh)", "",
    f"Run of {now} at `{commit}` ({binary}, {db}, {int(loans):,} loans): {round(samples[-1][0] / 60)} minutes of 8 connections "
    "alternating 10 s of `loans(first: 50)` with overdue, installments and borrower and 10 s of `registerComplaint`, "
    "4 WebSocket subscribers (escalations, complaintUpdates) reconnecting every 15 s.",
    f"{reads} reads, {writes} writes, {events} subscription events, {failures} failures. "
    f"RSS after warm-up {start} MB, at the end {end} MB: **growth {growth} MB** (bound {bound} MB).", "",
    "| minute | RSS MB |", "|---|---|", *minute, ""])
open(out + ".new", "w").write(section)
PY
  python3 bench/results.py bench/RESULTS.md bench/RESULTS.md.new && rm -f bench/RESULTS.md.new
fi
[ "$FAILURES" = 0 ] || { echo "soak: $FAILURES requests failed" >&2; exit 1; }
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$GROWTH" "$MAX_GROWTH" \
  || { echo "soak: RSS grew $GROWTH MB, more than $MAX_GROWTH MB (curve: $CURVE)" >&2; exit 1; }
