#!/usr/bin/env bash
# Bulk sync's benchmark (`BENCH_ONLY=bulk bench/run.sh`, or this script alone): on a fresh
# PostgreSQL database, BENCH_BULK_LOANS loans (default 300,000, 12 installments each, one
# borrower per three loans) sent through `upsertLoans` in batches of 500 by
# BENCH_BULK_CLIENTS concurrent clients (default 4) against the release build; in the same
# run pgbench runs the statements the API issues for one batch of 500 new loans
# (bench/bulk_client.py writes them) with as many clients; then `mfo-api import loans` of
# the same loans into another fresh database, timed. The figures go to the top of
# bench/RESULTS.md as a section of their own; the rest of the file is kept. BENCH_BIN runs
# another build (a smoke run of the script with the debug one, say).
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_BULK_LOANS:-300000}
CLIENTS=${BENCH_BULK_CLIENTS:-4}
PGB_SECONDS=${BENCH_BULK_PGBENCH_SECONDS:-60}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${BENCH_PORT:-18080}
SECRET=bench-secret-bench-secret-bench-secret-0123
OUT=bench/RESULTS.md
export MFO_JWT_SECRET=$SECRET
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | head -1)
[ -x "$PGBENCH" ] || { echo "bench: pgbench is missing" >&2; exit 1; }
if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "== release build"
  cargo build --release -q
fi
BIN=${BENCH_BIN:-target/release/mfo-api}
mkdir -p target

SERVER=""; DB=""; DB2=""; ANALYZER=""; AV_NOTE=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$ANALYZER" ] && kill "$ANALYZER" 2>/dev/null || true
  wait 2>/dev/null || true
  for d in $DB $DB2; do psql "$PG/test" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT

fresh() { # fresh DBNAME -> the MFO's id
  psql "$PG/test" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  MFO_DATABASE_URL="$PG/$1?sslmode=disable" $BIN migrate >/dev/null
  MFO_DATABASE_URL="$PG/$1?sslmode=disable" $BIN org create --kind MFO --name "Bench MFO" --jurisdiction KZ --address "Almaty"
}

DB="mfo_bulk_$$"; DBURL="$PG/$DB?sslmode=disable"
echo "== upsertLoans: $N loans, $CLIENTS clients, database $DB"
MFO=$(fresh "$DB")
STAFF=$(MFO_DATABASE_URL="$DBURL" $BIN token --role MFO_STAFF --org "$MFO" --ttl 4h)
MFO_DATABASE_URL="$DBURL" MFO_LISTEN="127.0.0.1:$PORT" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn \
  MFO_SCAN_INTERVAL_SECONDS=3600 $BIN serve >target/bench-bulk-server.log 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
URL="http://127.0.0.1:$PORT/graphql"
# A server with autovacuum off (this machine's) never refreshes the planner's statistics,
# and a lookup by outside id then scans the MFO's every loan (db::analyze); production runs
# with it on. Off here, its analyze is stood in for every 10 s, as its naptime would.
if [ "$(psql "$DBURL" -tAc 'SHOW autovacuum')" = off ]; then
  echo "   autovacuum is off: ANALYZE every 10 s stands in for it"
  AV_NOTE=" The server's PostgreSQL runs with autovacuum off: \\`ANALYZE\\` every 10 s stood in for it while the API loaded (without it every lookup by outside id scanned the MFO's loans: \\`db::analyze\\`)."
  ( while sleep 10; do psql "$DBURL" -qc "ANALYZE borrower; ANALYZE loan; ANALYZE installment" 2>/dev/null || true; done ) &
  ANALYZER=$!
fi
BORROWERS=$(( (N + 2) / 3 ))
B=$(python3 bench/bulk_client.py send "$URL" "$STAFF" borrowers "$BORROWERS" "$CLIENTS"); echo "   borrowers: $B (items, s, per s)"
L=$(python3 bench/bulk_client.py send "$URL" "$STAFF" loans "$N" "$CLIENTS"); echo "   loans: $L (items, s, per s)"
AGAIN=$(BENCH_N=$(( N < 20000 ? N : 20000 )); python3 bench/bulk_client.py send "$URL" "$STAFF" loans "$BENCH_N" "$CLIENTS"); echo "   re-sent (first 20,000): $AGAIN (items, s, per s)"
STORED=$(psql "$DBURL" -tAc "SELECT (SELECT count(*) FROM loan) || ' loans, ' || (SELECT count(*) FROM installment) || ' installments, ' || (SELECT count(*) FROM audit_entry) || ' audit entries'")
echo "   stored: $STORED"
kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
[ -n "$ANALYZER" ] && { kill "$ANALYZER" 2>/dev/null || true; ANALYZER=""; }
psql "$DBURL" -qc "ANALYZE"
VERIFY=$(MFO_DATABASE_URL="$DBURL" $BIN audit verify 2>&1 | tail -1); echo "   audit verify: $VERIFY"

psql "$DBURL" -tAc "SELECT external_id || '|' || id FROM borrower WHERE external_id < 'BB0000167'" >target/bench-bulk-borrowers.txt
python3 bench/bulk_client.py pgbench "$MFO" target/bench-bulk-borrowers.txt target/bench-pgbench-bulk.sql
TX=$("$PGBENCH" -n -c"$CLIENTS" -j2 -T"$PGB_SECONDS" -f target/bench-pgbench-bulk.sql "$DBURL" 2>&1 | tee target/bench-pgbench-bulk.log | sed -nE 's/^tps = ([0-9.]+) .*/\1/p' | head -1)
PGB_RATE=$(python3 -c "print(f'{float(\"$TX\") * 500:.0f}')")
echo "   pgbench: $TX batches/s = $PGB_RATE loans/s"
API_RATE=$(echo "$L" | awk '{print $3}')
RATIO=$(python3 -c "print(f'{100 * $API_RATE / $PGB_RATE:.0f}')")
echo "   ratio: $RATIO %"
psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"; DB=""

DB2="mfo_bulk_import_$$"; DB2URL="$PG/$DB2?sslmode=disable"
echo "== import: $N loans, database $DB2"
MFO2=$(fresh "$DB2")
python3 bench/bulk_client.py ndjson borrowers "$BORROWERS" target/bench-bulk-borrowers.ndjson
python3 bench/bulk_client.py ndjson loans "$N" target/bench-bulk-loans.ndjson
rm -f target/bench-bulk-*.ndjson.import-progress target/bench-bulk-*.ndjson.refused.ndjson
start=$(date +%s.%N)
MFO_DATABASE_URL="$DB2URL" MFO_LOG=warn $BIN import borrowers target/bench-bulk-borrowers.ndjson --mfo "$MFO2" >target/bench-bulk-import-borrowers.log 2>&1
mid=$(date +%s.%N)
MFO_DATABASE_URL="$DB2URL" MFO_LOG=warn $BIN import loans target/bench-bulk-loans.ndjson --mfo "$MFO2" >target/bench-bulk-import.log 2>&1
end=$(date +%s.%N)
IMPORT_B=$(python3 -c "print(f'{$mid - $start:.0f}')"); IMPORT_L=$(python3 -c "print(f'{$end - $mid:.0f}')")
IMPORTED=$(psql "$DB2URL" -tAc "SELECT count(*) FROM loan")
echo "   import: borrowers ${IMPORT_B} s, loans ${IMPORT_L} s ($IMPORTED loans stored)"
psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB2 WITH (FORCE)"; DB2=""

COMMIT=$(git rev-parse --short HEAD)
MACHINE="$(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB RAM, PostgreSQL $(psql "$PG/test" -tAc 'SHOW server_version' | cut -d' ' -f1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
{
  echo "## Bulk sync ($(date -u +%Y-%m-%d), commit $COMMIT)"
  echo
  echo "$MACHINE. \`BENCH_ONLY=bulk bench/run.sh\` ($N loans of 12 installments, one borrower per three, batches of 500, $CLIENTS clients; release build on PostgreSQL)."
  echo
  echo "| what | figure |"
  echo "|---|---|"
  echo "| upsertBorrowers, $BORROWERS borrowers | $(echo "$B" | awk '{print $2 " s, " $3 " borrowers/s"}') |"
  echo "| **upsertLoans, $N new loans** | **$(echo "$L" | awk '{print $2 " s, " $3 " loans/s"}')** |"
  echo "| pgbench, the same statements per batch of 500 ($CLIENTS clients, ${PGB_SECONDS} s) | $TX batches/s = $PGB_RATE loans/s |"
  echo "| **ratio API / pgbench** (goal ≥ 50 %) | **$RATIO %** |"
  echo "| upsertLoans re-sent (unchanged, nothing written) | $(echo "$AGAIN" | awk '{print $1 " loans in " $2 " s, " $3 " loans/s"}') |"
  echo "| stored after the run | $STORED; \`mfo-api audit verify\`: $VERIFY |"
  echo "| **\`mfo-api import loans\`, $N loans** (goal ≤ 600 s) | **${IMPORT_L} s** ($IMPORTED stored; the borrowers' import before it ${IMPORT_B} s) |"
  echo
  echo "pgbench runs \`target/bench-pgbench-bulk.sql\` (written by \`bench/bulk_client.py pgbench\`): the statements \`write_loans\` and \`Write::commit\` issue for a batch of 500 new loans, values as literals, with its own outside ids per transaction.$AV_NOTE"
} >"$OUT.new"
python3 bench/results.py "$OUT" "$OUT.new" && rm -f "$OUT.new"
echo "== written to $OUT"
