#!/usr/bin/env bash
# The HTTP benchmark, one command: for each size (300,000 loans, then 1,000 for the
# growth ratio) it creates a fresh PostgreSQL database, loads a deterministic portfolio
# (bench/load.sql), starts the release build, drives each workload with wrk (every
# response checked: a non-200 or an `errors` body is a failure), runs the baselines in the
# same run (pgbench on the SQL the workload issues; PostGraphile from npm on the same
# tables for the loan list) and writes bench/RESULTS.md.
#
#   bench/run.sh                      # 300k and 1k loans, 16 connections, 10 s per workload
#   BENCH_SIZES=20000 BENCH_SECONDS=5 bench/run.sh     # a quick look
#   BENCH_POSTGRAPHILE=0 bench/run.sh                  # without the npm baseline
#   BENCH_ONLY=webhooks bench/run.sh                   # one section alone (webhooks, worklist)
#   BENCH_ONLY=worklist BENCH_SIZES=20000 bench/run.sh
#   BENCH_ONLY=bulk bench/run.sh                       # bulk sync alone (bench/bulk.sh)
# Each section of bench/RESULTS.md is replaced by the run that writes it (bench/results.py).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${BENCH_ONLY:-}" = bulk ]; then exec bench/bulk.sh; fi

SIZES=${BENCH_SIZES:-"300000 1000"}
SECONDS_PER=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-16}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
POSTGRAPHILE=${BENCH_POSTGRAPHILE:-1}
PORT=${BENCH_PORT:-18080}
PGG_PORT=$((PORT + 1))
SECRET=bench-secret-bench-secret-bench-secret-0123
OUT=bench/RESULTS.md
TOOLS=target/tools
export MFO_JWT_SECRET=$SECRET
# Sections: "core" (the workloads below), "worklist", "webhooks"; BENCH_ONLY names some
# (space-separated) and the run writes only theirs, at the top of RESULTS.md.
ONLY=${BENCH_ONLY:-}
want() { [ -z "$ONLY" ] || [[ " $ONLY " == *" $1 "* ]]; }
want core || POSTGRAPHILE=0
# Loans the agency holds: its worklist is read from them.
ASSIGNED=${BENCH_ASSIGNED:-$(want core && echo 1000 || echo 5000)}
PGLOG=${BENCH_PG_LOG:-$(ls -t /var/log/postgresql/*.log 2>/dev/null | head -1)}

need() { command -v "$1" >/dev/null 2>&1 || { echo "bench: $1 is missing ($2)" >&2; exit 1; }; }
if ! command -v wrk >/dev/null 2>&1; then apt-get install -y wrk >/dev/null; fi
need wrk "apt-get install wrk"
need psql "PostgreSQL client"
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | head -1)
[ -x "$PGBENCH" ] || { echo "bench: pgbench is missing" >&2; exit 1; }

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "== release build"
  cargo build --release -q
fi
BIN=target/release/mfo-api

if [ "$POSTGRAPHILE" = 1 ] && [ ! -x "$TOOLS/postgraphile/node_modules/.bin/postgraphile" ]; then
  echo "== installing PostGraphile 4 into $TOOLS/postgraphile"
  mkdir -p "$TOOLS/postgraphile"
  (cd "$TOOLS/postgraphile" && npm init -y >/dev/null && npm install --no-audit --no-fund postgraphile@4.14.1 >/dev/null)
fi

SERVER=""; PGG=""; CAPTURE=""
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null || true
  [ -n "$CAPTURE" ] && kill "$CAPTURE" 2>/dev/null || true
  [ -n "$PGG" ] && kill "$PGG" 2>/dev/null || true
  wait 2>/dev/null || true
  # A run that stopped half-way leaves no database or SQLite file behind.
  [ -n "${DB:-}" ] && psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  [ -n "${SQLDIR:-}" ] && rm -rf "$SQLDIR" || true
}
trap cleanup EXIT

gql_json() { # a GraphQL request body: query, variables (JSON)
  python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$1" "$2"
}

# wrk_run NAME URL TOKEN BODY -> "rps p50 p99 checked failures"
wrk_run() {
  local line
  line=$(BENCH_BODY="$4" BENCH_TOKEN="$3" wrk -t2 -c"$CONNS" -d"${SECONDS_PER}s" --latency -s bench/wrk.lua "$2" \
    | tee "target/bench-$1.log" | grep '^BENCH rps' || true)
  grep '^BENCH first failure' "target/bench-$1.log" >&2 || true
  echo "$line" | sed -E 's/BENCH rps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+) checked=([0-9]+) failures=([0-9]+).*/\1 \2 \3 \4 \5/'
}

# pgbench_run NAME SQLFILE -> "tps p50_ms p99_ms", the latencies from pgbench's log of every
# transaction (so the API's p99 has its reference's beside it: on two cores both queue for CPU
# and for the audit chain's lock).
pgbench_run() {
  local logs tps
  logs=$(mktemp -d)
  tps=$("$PGBENCH" -n -c"$CONNS" -j2 -T"$SECONDS_PER" -l --log-prefix="$logs/tx" -f "$2" "$DBURL" 2>/dev/null \
    | tee "target/bench-pgbench-$1.log" | sed -nE 's/^tps = ([0-9.]+) .*/\1/p' | head -1)
  echo "$tps $(cat "$logs"/tx.* | python3 -c 'import sys
v = sorted(int(l.split()[2]) for l in sys.stdin if l.strip())
print(f"{v[len(v) // 2] / 1000:.1f} {v[min(len(v) - 1, len(v) * 99 // 100)] / 1000:.1f}" if v else "- -")')"
  rm -rf "$logs"
}

# The write workloads: registerComplaint as MFO staff and recordContact as the
# agency, each request a fresh clientSubmissionId (bench/wrk.lua fills `__UUID__`); a
# contact is a letter on one of the agency's loans ($BENCH_LOANS) on a day of November
# 2026 after the hand-over, at random.
REGISTER_Q='mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) { complaint { id number } userErrors { code } } }'
REGISTER_V='{"input": {"clientSubmissionId": "__UUID__", "kind": "COMPLAINT", "channel": "POST", "form": "WRITTEN", "language": "RU", "substance": "The fee was charged twice.", "complainants": [{"fullName": "Bench Complainant", "address": "Abay 1, Almaty"}]}}'
CONTACT_Q='mutation($input: RecordContactInput!) { recordContact(input: $input) { contact { id } userErrors { code } } }'
CONTACT_V='{"input": {"clientSubmissionId": "__UUID__", "loanId": "__LOAN__", "channel": "LETTER", "occurredAt": "2026-11-__DAY__T06:00:00Z", "party": "BORROWER", "destination": "Abay 1, Almaty", "disclosure": {"organizationName": "Bench Agency", "organizationLocation": "Almaty", "personName": "A. Collector", "personPosition": "Collector"}, "outcome": "NO_ANSWER"}}'
export BENCH_DAYS=02-27

# write_workloads LABEL URL STAFF AGENT: both writes into R[LABEL,register|contact]
write_workloads() {
  R[$1,register]=$(wrk_run "register-$1" "$2" "$3" "$(gql_json "$REGISTER_Q" "$REGISTER_V")"); echo "   register: ${R[$1,register]}"
  R[$1,contact]=$(wrk_run "contact-$1" "$2" "$4" "$(gql_json "$CONTACT_Q" "$CONTACT_V")"); echo "   contact: ${R[$1,contact]}"
}

# The per-MFO complaint journal after the writes: every year's counter equals the number of
# complaints of that year and their numbers are 1..counter, each once (C4: gapless).
JOURNAL_CHECK="SELECT CASE WHEN count(*) FILTER (WHERE NOT ok) = 0 THEN 'gapless' ELSE 'GAPS' END || ' (' || string_agg(y || ': ' || n || ' numbers, counter ' || last_number, '; ') || ')'
FROM (SELECT c.year AS y, c.last_number, count(x.journal_seq) AS n,
             c.last_number = count(x.journal_seq) AND count(x.journal_seq) = count(DISTINCT x.journal_seq)
             AND coalesce(max(x.journal_seq), 0) = c.last_number AS ok
      FROM complaint_journal_counter c LEFT JOIN complaint x ON x.mfo_id = c.mfo_id AND x.journal_year = c.year
      WHERE c.mfo_id = '%MFO%' GROUP BY c.year, c.last_number) t"

declare -A R
want core || want worklist || SIZES=""
for N in $SIZES; do
  DB="mfo_bench_${N}_$$"
  DBURL="$PG/$DB?sslmode=disable"
  echo "== $N loans: database $DB"
  psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  MFO_DATABASE_URL="$DBURL" $BIN migrate >/dev/null
  MFO=$(MFO_DATABASE_URL="$DBURL" $BIN org create --kind MFO --name "Bench MFO" --jurisdiction KZ --address "Almaty")
  AGENCY=$(MFO_DATABASE_URL="$DBURL" $BIN org create --kind COLLECTION_AGENCY --name "Bench Agency" --jurisdiction KZ)
  BORROWERS=$((N / 3)); COMPLAINTS=$((N / 6)); [ "$COMPLAINTS" -lt 50 ] && COMPLAINTS=50
  start=$(date +%s.%N)
  psql "$DBURL" -q -v loans="$N" -v borrowers="$BORROWERS" -v complaints="$COMPLAINTS" -v mfo="$MFO" \
    -v agency="$AGENCY" -v assigned="$ASSIGNED" -f bench/load.sql
  load_s=$(python3 -c "import time; print(f'{time.time() - $start:.0f}')")
  size=$(psql "$DBURL" -tAc "SELECT pg_size_pretty(pg_database_size(current_database()))")
  echo "   loaded in ${load_s} s, database ${size}"
  R[$N,load]="$load_s s, $size"

  STAFF=$(MFO_DATABASE_URL="$DBURL" $BIN token --role MFO_STAFF --org "$MFO" --ttl 2h)
  AGENT=$(MFO_DATABASE_URL="$DBURL" $BIN token --role COLLECTION_AGENCY --org "$AGENCY" --ttl 2h)

  # The worklist's baseline: the statements the server runs for one page, captured from
  # PostgreSQL's log (log_statement = all on this database only) from an instance of its
  # own, whose workers are asleep; the benchmarked instance starts after, without logging.
  WL_Q='{ collectionWorklist(action: CALL, first: 100) { totalCount edges { node { loan { id } verdict { action allowed basis reason nextAllowedAt remaining clearance clearanceExpiresAt } } } } }'
  AP_Q='{ loans(first: 100) { edges { node { id permittedActions { action allowed basis reason nextAllowedAt remaining clearance clearanceExpiresAt } } } } }'
  if want worklist; then
    [ -r "$PGLOG" ] || { echo "bench: the PostgreSQL log ($PGLOG) is not readable; set BENCH_PG_LOG" >&2; exit 1; }
    psql "$PG/test" -qc "ALTER DATABASE $DB SET log_statement = 'all'"
    MFO_DATABASE_URL="$DBURL" MFO_LISTEN="127.0.0.1:$((PORT + 2))" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn \
      MFO_SCAN_INTERVAL_SECONDS=3600 MFO_WEBHOOK_INTERVAL_MS=60000 $BIN serve >target/bench-capture.log 2>&1 &
    CAPTURE=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 2))/healthz" >/dev/null && break; sleep 0.2; done
    sleep 2
    for w in worklist agency_page; do
      q=$WL_Q; [ "$w" = agency_page ] && q=$AP_Q
      post() { curl -sf "http://127.0.0.1:$((PORT + 2))/graphql" -H "Authorization: Bearer $AGENT" \
        -H 'Content-Type: application/json' -d "$(gql_json "$q" '{}')" >"target/bench-$w-answer.json"; }
      post  # warms the process's reference cache (calendars, policies, the clearance key)
      sleep 0.5; off=$(stat -c %s "$PGLOG"); post; sleep 0.5
      python3 bench/capture_sql.py "$PGLOG" "$off" "$DB" >"target/bench-$w.sql" 2>"target/bench-$w-count.txt"
      R[$N,${w}_statements]=$(grep -oE '^[0-9]+' "target/bench-$w-count.txt")
      R[$N,${w}_rows]=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; print(len((d.get("collectionWorklist") or d.get("loans"))["edges"]))' "target/bench-$w-answer.json")
      echo "   $w: ${R[$N,${w}_statements]} statements for a page of ${R[$N,${w}_rows]} loans (target/bench-$w.sql)"
    done
    kill "$CAPTURE" 2>/dev/null || true; wait "$CAPTURE" 2>/dev/null || true; CAPTURE=""
    psql "$PG/test" -qc "ALTER DATABASE $DB RESET log_statement"
  fi

  MFO_DATABASE_URL="$DBURL" MFO_LISTEN="127.0.0.1:$PORT" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn \
    MFO_SCAN_INTERVAL_SECONDS=3600 $BIN serve >target/bench-server.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  URL="http://127.0.0.1:$PORT/graphql"

  if want worklist; then
    R[$N,held]=$(psql "$DBURL" -tAc "SELECT count(*) FROM collection_assignment WHERE agency_id = '$AGENCY' AND ended_at IS NULL")
    for w in worklist agency_page; do
      q=$WL_Q; [ "$w" = agency_page ] && q=$AP_Q
      R[$N,$w]=$(wrk_run "$w-$N" "$URL" "$AGENT" "$(gql_json "$q" '{}')"); echo "   $w: ${R[$N,$w]}"
      R[$N,pgbench_$w]=$(pgbench_run "$w-$N" "target/bench-$w.sql"); echo "   pgbench $w: ${R[$N,pgbench_$w]} (tps, p50 ms, p99 ms)"
    done
  fi

  if want core; then
  LOAN=$(curl -sf "$URL" -H "Authorization: Bearer $AGENT" -H 'Content-Type: application/json' \
    -d '{"query":"{ loans(first: 1) { edges { node { id } } } }"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["loans"]["edges"][0]["node"]["id"])')
  LOAN_UUID=$(python3 -c "import base64,sys; s=sys.argv[1]; s+='='*(-len(s)%4); print(base64.urlsafe_b64decode(s).decode().split(':')[1])" "$LOAN" 2>/dev/null || true)

  declare -A BODY=(
    [loans_page]=$(gql_json '{ loans(first: 50) { edges { node { id installments(first: 24) { nodes { seq dueDate } } borrower { fullName } } } } }' '{}')
    [permitted]=$(gql_json 'query($id: ID!) { permittedActions(loanId: $id) { action allowed } }' "{\"id\":\"$LOAN\"}")
    [loans_overdue]=$(gql_json '{ loans(first: 50, filter: { overdue: true }) { edges { node { id } } } }' '{}')
    [loans_closed]=$(gql_json '{ loans(first: 50, filter: { status: CLOSED }) { edges { node { id } } } }' '{}')
    [complaints_page]=$(gql_json '{ complaints(first: 50) { edges { node { id number status answerDueDate } } } }' '{}')
  )
  for w in loans_page loans_overdue loans_closed complaints_page; do
    R[$N,$w]=$(wrk_run "$w-$N" "$URL" "$STAFF" "${BODY[$w]}"); echo "   $w: ${R[$N,$w]}"
  done
  R[$N,permitted]=$(wrk_run "permitted-$N" "$URL" "$AGENT" "${BODY[permitted]}"); echo "   permitted: ${R[$N,permitted]}"
  R[$N,healthz]=$(wrk_run "healthz-$N" "http://127.0.0.1:$PORT/healthz" "" ""); echo "   healthz: ${R[$N,healthz]}"

  # Baselines: the statements each workload issues (tests/api/performance.rs counts them),
  # with the same literal ids the API sends, run by pgbench.
  IDS=$(psql "$DBURL" -tAc "SELECT string_agg(quote_literal(id::text), ',') FROM (SELECT id FROM loan WHERE mfo_id = '$MFO' ORDER BY id LIMIT 50) t")
  BIDS=$(psql "$DBURL" -tAc "SELECT string_agg(DISTINCT quote_literal(borrower_id::text), ',') FROM (SELECT borrower_id FROM loan WHERE mfo_id = '$MFO' ORDER BY id LIMIT 50) t")
  cat >target/bench-loans_page.sql <<SQL
SELECT * FROM loan WHERE mfo_id = '$MFO' ORDER BY id LIMIT 51;
SELECT * FROM installment WHERE loan_id IN ($IDS) ORDER BY loan_id, seq;
SELECT * FROM borrower WHERE id IN ($BIDS);
SQL
  cat >target/bench-permitted.sql <<SQL
SELECT l.*, (SELECT language FROM borrower b WHERE b.id = l.borrower_id) AS s_language,
  EXISTS (SELECT 1 FROM collection_assignment a WHERE a.loan_id = l.id AND a.ended_at IS NULL) AS s_at_agency,
  EXISTS (SELECT 1 FROM restructuring_application r WHERE r.loan_id = l.id AND r.status IN ('REGISTERED','DOCUMENTS_REQUESTED','INADMISSIBLE','COUNTER_PROPOSED')) AS s_under_review,
  (SELECT max(home_protected_until) FROM regulator_appeal p WHERE p.loan_id = l.id AND p.status = 'UNDER_REVIEW') AS s_home,
  (SELECT status FROM military_deferral d WHERE d.loan_id = l.id AND d.status <> 'NOT_APPLICABLE' ORDER BY created_at DESC LIMIT 1) AS s_deferral
FROM loan l WHERE l.id = '$LOAN_UUID' AND l.id IN (SELECT loan_id FROM collection_assignment WHERE agency_id = '$AGENCY' AND ended_at IS NULL);
SELECT * FROM installment WHERE loan_id = '$LOAN_UUID' ORDER BY seq;
SELECT * FROM payment WHERE loan_id = '$LOAN_UUID' ORDER BY paid_at;
SELECT * FROM contact_event WHERE borrower_id = (SELECT borrower_id FROM loan WHERE id = '$LOAN_UUID') AND occurred_at >= now() - interval '7 days' AND occurred_at <= now();
SQL
  R[$N,pgbench_loans_page]=$(pgbench_run "loans_page-$N" target/bench-loans_page.sql); echo "   pgbench loans_page: ${R[$N,pgbench_loans_page]} (tps, p50 ms, p99 ms)"
  R[$N,pgbench_permitted]=$(pgbench_run "permitted-$N" target/bench-permitted.sql); echo "   pgbench permitted: ${R[$N,pgbench_permitted]} (tps, p50 ms, p99 ms)"

  if [ "$POSTGRAPHILE" = 1 ]; then
    "$TOOLS/postgraphile/node_modules/.bin/postgraphile" -c "$DBURL" --schema public --port "$PGG_PORT" \
      --disable-default-mutations --disable-query-log >target/bench-postgraphile.log 2>&1 &
    PGG=$!
    for _ in $(seq 1 150); do curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:$PGG_PORT/graphql" && break; sleep 0.2; done
    PG_BODY=$(gql_json '{ allLoans(first: 50, orderBy: PRIMARY_KEY_ASC) { nodes { id installmentsByLoanId(orderBy: SEQ_ASC) { nodes { seq dueDate } } borrowerByBorrowerId { fullName } } } }' '{}')
    R[$N,postgraphile]=$(wrk_run "postgraphile-$N" "http://127.0.0.1:$PGG_PORT/graphql" "" "$PG_BODY"); echo "   postgraphile loans_page: ${R[$N,postgraphile]}"
    kill "$PGG" 2>/dev/null || true; wait "$PGG" 2>/dev/null || true; PGG=""
  fi
  # Writes, then the same transactions by pgbench (bench/pgbench-*.sql: the statements
  # the API issues for one request, captured from the PostgreSQL log; see README).
  BENCH_LOANS=$(psql "$DBURL" -tAc "SELECT string_agg(rtrim(translate(encode(convert_to('Loan:' || loan_id, 'UTF8'), 'base64'), '+/', '-_'), '='), ',') FROM collection_assignment WHERE agency_id = '$AGENCY' AND ended_at IS NULL")
  export BENCH_LOANS
  write_workloads "$N" "$URL" "$STAFF" "$AGENT"
  R[$N,journal]=$(psql "$DBURL" -tAc "${JOURNAL_CHECK//%MFO%/$MFO}"); echo "   journal: ${R[$N,journal]}"
  for w in register contact; do
    sed -e "s/:'mfo'/'$MFO'/g" -e "s/:'agency'/'$AGENCY'/g" -e "s/:'last'/$(( $(echo "$BENCH_LOANS" | tr ',' '\n' | wc -l) - 1 ))/g" \
      "bench/pgbench-$w.sql" >"target/bench-pgbench-$w.sql"
    R[$N,pgbench_$w]=$(pgbench_run "$w-$N" "target/bench-pgbench-$w.sql"); echo "   pgbench $w: ${R[$N,pgbench_$w]} (tps, p50 ms, p99 ms)"
  done
  R[$N,journal_pgbench]=$(psql "$DBURL" -tAc "${JOURNAL_CHECK//%MFO%/$MFO}"); echo "   journal after pgbench: ${R[$N,journal_pgbench]}"
  fi
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
  psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
done

# Webhooks: 10,000 borrower changes committed through the API (one event each) by 8
# clients, delivered to 3 endpoints whose receivers verify every signature and time every
# arrival (bench/webhooks.py); the worker runs with its defaults.
if want webhooks; then
  DB="mfo_bench_hooks_$$"
  DBURL="$PG/$DB?sslmode=disable"
  echo "== webhooks: database $DB"
  psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  MFO_DATABASE_URL="$DBURL" $BIN migrate >/dev/null
  MFO=$(MFO_DATABASE_URL="$DBURL" $BIN org create --kind MFO --name "Bench MFO" --jurisdiction KZ --address "Almaty")
  STAFF=$(MFO_DATABASE_URL="$DBURL" $BIN token --role MFO_STAFF --org "$MFO" --ttl 2h)
  MFO_DATABASE_URL="$DBURL" MFO_LISTEN="127.0.0.1:$PORT" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn \
    MFO_SCAN_INTERVAL_SECONDS=3600 MFO_WEBHOOK_ALLOW_PRIVATE=true $BIN serve >target/bench-server-webhooks.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  cpu0=$(awk '{print $14 + $15}' "/proc/$SERVER/stat")
  line=$(python3 bench/webhooks.py "http://127.0.0.1:$PORT/graphql" "$STAFF" "${BENCH_WEBHOOK_EVENTS:-10000}" 3 \
    $((PORT + 10)) "${BENCH_WEBHOOK_CLIENTS:-8}" | tee target/bench-webhooks.log | grep '^WEBHOOKS' || true)
  cpu=$(( $(awk '{print $14 + $15}' "/proc/$SERVER/stat") - cpu0 ))
  R[webhooks]="${line#WEBHOOKS } server_cpu_s=$((cpu / $(getconf CLK_TCK)))"
  R[webhooks,deliveries]=$(psql "$DBURL" -tAc "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM webhook_delivery GROUP BY status) t")
  R[webhooks,attempts]=$(psql "$DBURL" -tAc "SELECT count(*) FROM webhook_attempt")
  echo "   ${R[webhooks]}; deliveries ${R[webhooks,deliveries]}, attempts ${R[webhooks,attempts]}"
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
  psql "$PG/test" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
fi

# The writes on the embedded SQLite default (one file, one process): a small portfolio
# through the API (bench/seed_api.py), its loans handed to the agency in the file.
if want core && [ "${BENCH_SQLITE:-1}" = 1 ]; then
  SQLDIR=$(mktemp -d); SQLFILE="$SQLDIR/bench.db"; SQLURL="sqlite://$SQLFILE?mode=rwc"
  echo "== SQLite: $SQLFILE"
  MFO_DATABASE_URL="$SQLURL" $BIN migrate >/dev/null
  MFO=$(MFO_DATABASE_URL="$SQLURL" $BIN org create --kind MFO --name "Bench MFO" --jurisdiction KZ --address "Almaty")
  AGENCY=$(MFO_DATABASE_URL="$SQLURL" $BIN org create --kind COLLECTION_AGENCY --name "Bench Agency" --jurisdiction KZ)
  STAFF=$(MFO_DATABASE_URL="$SQLURL" $BIN token --role MFO_STAFF --org "$MFO" --ttl 2h)
  AGENT=$(MFO_DATABASE_URL="$SQLURL" $BIN token --role COLLECTION_AGENCY --org "$AGENCY" --ttl 2h)
  MFO_DATABASE_URL="$SQLURL" MFO_LISTEN="127.0.0.1:$PORT" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_LOG=warn \
    MFO_SCAN_INTERVAL_SECONDS=3600 $BIN serve >target/bench-server-sqlite.log 2>&1 &
  SERVER=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  URL="http://127.0.0.1:$PORT/graphql"
  BENCH_LOANS=$(python3 bench/seed_api.py "$URL" "$STAFF" "${BENCH_SQLITE_LOANS:-200}")
  export BENCH_LOANS
  # The hand-over (R17) is not what is measured: the rows are written as the API writes them.
  sqlite3 "$SQLFILE" ".timeout 10000" "INSERT INTO collection_assignment (id, loan_id, agency_id, assigned_at, ended_at, assigned_by)
    SELECT randomblob(16), l.id, o.id, '2026-11-01 04:00:00+00:00', NULL, 'bench'
    FROM loan l, organization o WHERE o.kind = 'COLLECTION_AGENCY'"
  write_workloads sqlite "$URL" "$STAFF" "$AGENT"
  R[sqlite,journal]=$(sqlite3 "$SQLFILE" ".timeout 10000" "$(echo "$JOURNAL_CHECK" | sed -e 's/string_agg(/group_concat(/' -e "s/c.mfo_id = '%MFO%'/1 = 1/")")
  echo "   journal: ${R[sqlite,journal]}"
  kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
  rm -rf "$SQLDIR"
fi

# bench/RESULTS.md (the figures go through a file: the report's text has backticks)
FIGURES=target/bench-figures.tsv
: >"$FIGURES"
for k in "${!R[@]}"; do printf '%s\t%s\n' "$k" "${R[$k]}" >>"$FIGURES"; done
COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src entity migration Cargo.toml Cargo.lock || echo '+changes')"
python3 - "$OUT" "$SIZES" "$CONNS" "$SECONDS_PER" "$FIGURES" "$ONLY" "$COMMIT" <<'PY'
import os, re, sys, subprocess, datetime
out, sizes, conns, secs, figures = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4], sys.argv[5]
only, commit = sys.argv[6].split(), sys.argv[7]
R = {}
for line in open(figures).read().strip().splitlines():
    k, v = line.split("\t", 1)
    R[k] = v
def f(n, w, i=0):
    v = R.get(f"{n},{w}", "")
    parts = v.split()
    return float(parts[i]) if len(parts) > i and parts[i] not in ("", "-") else None
cpu = subprocess.run(["sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.split("\n")
load = open("/proc/loadavg").read().split()[:3]
stamp = f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit}"
machine = f"{cpu[0]} cores,{cpu[1] if len(cpu) > 1 else ''}; load average at the end {' '.join(load)}"

def sections():
    """The worklist's and the webhooks' sections, when they ran."""
    s = []
    for n in sizes:
        if f"{n},worklist" not in R:
            continue
        s += [f"## Worklist: {int(n):,} loans, {int(R.get(f'{n},held', 0)):,} in the agency's hands ({stamp})", "",
              f"Machine: {machine}. wrk -t2 -c{conns} -d{secs}s, every response checked; pgbench -c{conns} -j2 -T{secs} "
              "running the statements the server issued for one page (captured from PostgreSQL's log with "
              "log_statement = all, their parameters in place: `bench/capture_sql.py`). "
              "Reproduce: `BENCH_ONLY=worklist BENCH_SIZES=" + n + " bench/run.sh`.", "",
              "| workload | loans per page | statements per page | req/s | p50 ms | p99 ms | checked | failures | pgbench (same SQL) | ratio |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for w, label in [("worklist", "`collectionWorklist(action: CALL, first: 100)`"),
                         ("agency_page", "`loans(first: 100) { permittedActions }`")]:
            rps, b = f(n, w), f(n, f"pgbench_{w}")
            if rps is None:
                continue
            s.append(f"| {label} | {R.get(f'{n},{w}_rows', '?')} | {R.get(f'{n},{w}_statements', '?')} | {rps:.0f} | {f(n, w, 1)} | "
                     f"{f(n, w, 2)} | {f(n, w, 3):.0f} | {f(n, w, 4):.0f} | "
                     + (f"{b:.0f} tps, p99 {f(n, f'pgbench_{w}', 2)} ms | {rps / b:.2f} |" if b else "| |"))
        s.append("")
    if "webhooks" in R:
        W = dict(kv.split("=", 1) for kv in R["webhooks"].split() if "=" in kv)
        g = lambda k: W.get(k, "?")  # noqa: E731
        p99 = float(W.get("p99_ms", "inf"))
        ok = p99 <= 2000 and W.get("lost") == "0" and W.get("unverified") == "0"
        s += [f"## Webhooks: {g('events')} events to {g('endpoints')} endpoints ({stamp})", "",
              f"Machine: {machine}. Reproduce: `BENCH_ONLY=webhooks bench/run.sh` (`bench/webhooks.py`).", "",
              f"{g('events')} borrower upserts (one event each) committed through the API by 8 clients at "
              f"{g('commit_rate')} per second ({g('commit_s')} s), each delivered to 3 endpoints whose receivers (one "
              "Python process each) verify every Standard Webhooks signature; the release build with the worker's "
              "defaults, PostgreSQL.", "",
              "| delivered | lost | duplicated | unverified | commit → received p50 | p99 | max | ack → received p50 | p99 | all in after | server CPU |",
              "|---|---|---|---|---|---|---|---|---|---|---|",
              f"| {g('received')} | {g('lost')} | {g('duplicated')} | {g('unverified')} | {g('p50_ms')} ms | {g('p99_ms')} ms | "
              f"{g('max_ms')} ms | {g('ack_p50_ms')} ms | {g('ack_p99_ms')} ms | {g('drained_s')} s | {g('server_cpu_s')} s |", "",
              "commit → received: from the event's `timestamp` (the outbox row's time, taken when the writing "
              "transaction began: an upper bound); ack → received: from the mutation's answer (a lower bound). "
              f"Deliveries in the database at the end: {R.get('webhooks,deliveries', '?')}; attempts {R.get('webhooks,attempts', '?')}. "
              f"Goal (p99 ≤ 2 s, none lost): {'met' if ok else 'NOT met'}.", ""]
    return s

new = out + ".new"
if only:
    # A section run alone goes on top (bench/results.py); every other section stays.
    open(new, "w").write("\n".join(sections()) + "\n")
    print("\n".join(sections()))
    sys.exit(0)
lines = ["# Benchmark results (bench/run.sh)", "",
         f"Machine: {cpu[0]} cores,{cpu[1] if len(cpu) > 1 else ''}; load average at the end {' '.join(load)}.",
         f"wrk -t2 -c{conns} -d{secs}s per workload, every response checked; pgbench -c{conns} -j2 -T{secs}; PostgreSQL over loopback with sslmode=disable.",
         "Reproduce: `bench/run.sh` (see its header for the knobs).", ""]
for n in sizes:
    lines += [f"## {int(n):,} loans", "", f"Load: {R.get(f'{n},load', '?')}.", "",
              "| workload | req/s | p50 ms | p99 ms | checked | failures | baseline | ratio |", "|---|---|---|---|---|---|---|---|"]
    for w, base, label in [("loans_page", "postgraphile", "PostGraphile"), ("loans_page", "pgbench_loans_page", "pgbench (same SQL)"),
                           ("permitted", "pgbench_permitted", "pgbench (same SQL)"), ("loans_overdue", None, ""),
                           ("loans_closed", None, ""), ("complaints_page", None, ""), ("healthz", None, ""),
                           ("register", "pgbench_register", "pgbench (same transaction)"),
                           ("contact", "pgbench_contact", "pgbench (same transaction)")]:
        rps = f(n, w)
        if rps is None:
            continue
        b = f(n, base) if base else None
        if base and b is None and w == "loans_page" and base == "postgraphile":
            continue  # run without PostGraphile: the pgbench row follows
        ratio = f"{rps / b:.2f}" if b else ""
        bp99 = f(n, base, 2) if base else None
        label += f" {b:.0f} req/s" + (f", p99 {bp99:.0f} ms" if bp99 is not None else "") if b else ""
        lines.append(f"| {w} | {rps:.0f} | {f(n, w, 1)} | {f(n, w, 2)} | {f(n, w, 3):.0f} | {f(n, w, 4):.0f} | {label} | {ratio} |" if b else
                     f"| {w} | {rps:.0f} | {f(n, w, 1)} | {f(n, w, 2)} | {f(n, w, 3):.0f} | {f(n, w, 4):.0f} | | |")
    if f"{n},journal" in R:
        lines += ["", f"Complaint journal after the API's writes: {R[f'{n},journal']}; after pgbench's too: {R.get(f'{n},journal_pgbench', '?')}."]
    lines.append("")
if "sqlite,register" in R:
    lines += ["## Writes on the embedded SQLite default", "",
              "A file on local disk (WAL, synchronous=FULL), a few hundred loans seeded through the API (bench/seed_api.py).", "",
              "| workload | req/s | p50 ms | p99 ms | checked | failures |", "|---|---|---|---|---|---|"]
    n = "sqlite"
    for w in ["register", "contact"]:
        if f(n, w) is not None:
            lines.append(f"| {w} | {f(n, w):.0f} | {f(n, w, 1)} | {f(n, w, 2)} | {f(n, w, 3):.0f} | {f(n, w, 4):.0f} |")
    lines += ["", f"Complaint journal after the writes: {R.get('sqlite,journal', '?')}.", ""]
if len(sizes) >= 2:
    big, small = sizes[0], sizes[-1]
    lines += [f"## Growth: {int(big):,} vs {int(small):,} loans (throughput kept)", "", "| workload | kept |", "|---|---|"]
    for w in ["loans_page", "permitted", "loans_overdue", "loans_closed", "complaints_page"]:
        a, b = f(big, w), f(small, w)
        if a and b:
            lines.append(f"| {w} | {a / b:.0%} |")
    lines.append("")
lines += sections()
# bench/results.py puts them in: the sections this run wrote replace their kind, every
# other (the bulk sync's, the soak's curve, the fan-out, earlier runs kept by hand) stays.
open(new, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY
python3 bench/results.py "$OUT" "$OUT.new" && rm -f "$OUT.new"
# The bulk sync is a section of the full run too (alone: BENCH_ONLY=bulk).
if [ -z "$ONLY" ]; then BENCH_SKIP_BUILD=1 bench/bulk.sh; fi
