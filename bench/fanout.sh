#!/usr/bin/env bash
# The escalation subscription's fan-out, one command: for each subscriber count (100, then 1,000)
# it creates a fresh PostgreSQL database, registers two KZ MFOs, a KG MFO and both
# regulators with the CLI, starts TWO instances of the release build on it, and runs the
# load client (benches/fanout/): N `escalations` subscribers over graphql-transport-ws,
# half on each instance, a mix of principals; 40 escalations raised through the API 100 ms
# apart, alternating instances, then 20 at once. It prints latency (received − raisedAt),
# deliveries lost and doubled, the SQL statements each instance ran while the escalations
# were delivered (its /metrics) and each instance's RSS (/proc), and writes the section
# "Escalation fan-out" of bench/RESULTS.md (the other sections are left as they are).
# Committed → received exactly needs the server's commit instants: when PostgreSQL runs with
# `track_commit_timestamp = on` (a server setting: ALTER SYSTEM SET track_commit_timestamp =
# on, then restart), the client reads each escalation's `pg_xact_commit_timestamp` back;
# otherwise it reports only the two bounds (received − raisedAt, received − the answer).
#
#   bench/fanout.sh                                   # 100 and 1,000 subscribers
#   FANOUT_COUNTS=1000 bench/fanout.sh                # one size
#   FANOUT_ESCALATIONS=40 FANOUT_BURST=20 FANOUT_SPACING_MS=100 bench/fanout.sh
#   BENCH_SKIP_BUILD=1 bench/fanout.sh                # use the binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."

COUNTS=${FANOUT_COUNTS:-"100 1000"}
PG=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${FANOUT_PORT:-18180}
SECRET=bench-secret-bench-secret-bench-secret-0123
OUT=bench/RESULTS.md
export MFO_JWT_SECRET=$SECRET
export FANOUT_ESCALATIONS=${FANOUT_ESCALATIONS:-40} FANOUT_BURST=${FANOUT_BURST:-20} FANOUT_SPACING_MS=${FANOUT_SPACING_MS:-100}

command -v psql >/dev/null 2>&1 || { echo "fanout: psql is missing (PostgreSQL client)" >&2; exit 1; }
# 1,000 sockets on the client and 500 on each server, plus the pools.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "== release build (server and load client)"
  cargo build --release -q --bin mfo-api
fi
BIN=target/release/mfo-api
# The bench binary's path, built (once) with the bench profile.
CLIENT=$(cargo bench --bench fanout --no-run --message-format=json -q 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == "fanout" and m.get("executable"):
        print(m["executable"])')
[ -x "$CLIENT" ] || { echo "fanout: could not build the load client (cargo bench --bench fanout --no-run)" >&2; exit 1; }

A=""; B=""
cleanup() {
  [ -n "$A" ] && kill "$A" 2>/dev/null || true
  [ -n "$B" ] && kill "$B" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${DB:-}" ] && psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

: >target/fanout-figures.txt
for N in $COUNTS; do
  DB="fanout_${N}_$$"
  DBURL="$PG/$DB?sslmode=disable"
  echo "== $N subscribers: database $DB"
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
  export MFO_DATABASE_URL="$DBURL"
  $BIN migrate >/dev/null
  MFO_A=$($BIN org create --kind MFO --name "Fanout MFO A" --jurisdiction KZ --address "Almaty")
  MFO_B=$($BIN org create --kind MFO --name "Fanout MFO B" --jurisdiction KZ --address "Astana")
  MFO_KG=$($BIN org create --kind MFO --name "Fanout MFO KG" --jurisdiction KG --address "Bishkek")
  REG_KZ=$($BIN org create --kind REGULATOR --name "Fanout regulator KZ" --jurisdiction KZ)
  REG_KG=$($BIN org create --kind REGULATOR --name "Fanout regulator KG" --jurisdiction KG)
  FANOUT_STAFF_A=$($BIN token --role MFO_STAFF --org "$MFO_A" --subject fanout-a --ttl 2h)
  FANOUT_STAFF_B=$($BIN token --role MFO_STAFF --org "$MFO_B" --subject fanout-b --ttl 2h)
  FANOUT_STAFF_KG=$($BIN token --role MFO_STAFF --org "$MFO_KG" --subject fanout-kg --ttl 2h)
  FANOUT_REGULATOR_KZ=$($BIN token --role REGULATOR --org "$REG_KZ" --subject fanout-kz --ttl 2h)
  FANOUT_REGULATOR_KG=$($BIN token --role REGULATOR --org "$REG_KG" --subject fanout-kg --ttl 2h)

  export FANOUT_STAFF_A FANOUT_STAFF_B FANOUT_STAFF_KG FANOUT_REGULATOR_KZ FANOUT_REGULATOR_KG

  # Two instances on one database; the rate limit is per principal and the bench raises
  # everything with a few tokens; MFO_MAX_CONNECTIONS (1,024 by default) counts sockets.
  start() {
    MFO_LISTEN="127.0.0.1:$1" MFO_RATE_LIMIT_PER_MINUTE=100000000 MFO_MAX_CONNECTIONS=4096 MFO_LOG=warn \
    MFO_WS_MAX_SOCKETS_PER_PRINCIPAL=4096 MFO_WS_MAX_SOCKETS_PER_ADDRESS=4096 MFO_WS_MAX_SUBSCRIPTIONS_PER_PRINCIPAL=4096 \
      MFO_SCAN_INTERVAL_SECONDS=3600 $BIN serve >"target/fanout-server-$1.log" 2>&1 &
  }
  start "$PORT"; A=$!
  start "$((PORT + 1))"; B=$!
  for p in "$PORT" "$((PORT + 1))"; do
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.2; done
  done

  # With the server's track_commit_timestamp on, the client reads each escalation's commit
  # instant back and reports received − committed exactly (bench/fanout.sh's header).
  FANOUT_DATABASE_URL="$DBURL" \
  FANOUT_URLS="http://127.0.0.1:$PORT,http://127.0.0.1:$((PORT + 1))" FANOUT_PIDS="$A,$B" FANOUT_SUBSCRIBERS=$N \
    "$CLIENT" --bench | tee "target/fanout-$N.log"
  grep '^FANOUT ' "target/fanout-$N.log" | tail -1 >>target/fanout-figures.txt \
    || { echo "fanout: the client printed no FANOUT line (target/fanout-$N.log)" >&2; exit 1; }

  kill "$A" "$B" 2>/dev/null || true; wait "$A" "$B" 2>/dev/null || true; A=""; B=""
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  DB=""
done

# The "Escalation fan-out" section of bench/RESULTS.md, put in by bench/results.py (it
# replaces the one there; nothing else in the file changes).
python3 - "$OUT" target/fanout-figures.txt "$(git rev-parse --short HEAD)" <<'PY'
import subprocess, sys, time
out, figures, commit = sys.argv[1], sys.argv[2], sys.argv[3]
runs = []
for line in open(figures):
    runs.append(dict(kv.split("=", 1) for kv in line.split()[1:]))
cpu = subprocess.run(["sh", "-c", "nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"], capture_output=True, text=True).stdout.split("\n")
load = " ".join(open("/proc/loadavg").read().split()[:3])
r0 = runs[0]
lines = [
    "## Escalation fan-out", "",
    f"`bench/fanout.sh` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, release build of `{commit}`; "
    f"machine: {cpu[0]} cores,{cpu[1] if len(cpu) > 1 else ''}; load average at the end {load}). "
    f"Two instances on one PostgreSQL database (loopback, sslmode=disable); each subscriber its own "
    f"graphql-transport-ws socket with the dashboard's selection, half on each instance, five kinds in turn "
    f"(KZ regulator, KG regulator, staff of KZ MFO A, staff of KZ MFO B, KZ regulator filtered to MFO B); "
    f"{r0['escalations']} escalations per run raised through `recordContact` (a letter with an empty disclosure: X2), "
    f"alternating instances and MFOs: {r0['spaced']} of them {r0['spacing_ms']} ms apart, then {r0['burst']} at once. Latency = received − `raisedAt` (taken when the raising transaction begins, "
    f"so it includes that transaction and its wait for the audit chain's lock: an upper bound of committed → received); "
    f"received − the mutation's answer (the commit came before it) is a lower bound; received − the escalation's first delivery "
    f"is the fan-out's own spread; received − committed is exact where the server records commit instants "
    f"(`track_commit_timestamp = on`: the client reads `pg_xact_commit_timestamp` of each escalation row); "
    f"lost = expected by the subscriber's scope − received. Burst CPU: CPU time (/proc) from the first burst mutation sent to the "
    f"last delivery received, of each instance (its deliveries and its share of the mutations), of the load client (which shares "
    f"the machine's cores) and how busy the whole machine was.", "",
    "| subscribers | deliveries expected | received | lost | duplicates | outside scope | spaced p50 / p99 / max ms | burst p50 / p99 / max ms | received − committed p50 / p99 ms, spaced; burst | p99 ms received − mutation's answer, spaced / burst | p99 ms received − first delivery, spaced / burst | recordContact p50 / p99 ms | statements per escalation (all / besides the mutation) | statements while raising, per instance | RSS MB per instance: idle → subscribed → peak | burst CPU ms: instances; client (machine busy) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
]
for r in runs:
    inst = int(r["instances"])
    stm = ", ".join(f"{r[f'statements_{i}']} ({r[f'own_statements_{i}']} the mutations')" for i in range(inst))
    rss = ", ".join(f"{r.get(f'rss_idle_mb_{i}', '?')} → {r.get(f'rss_subscribed_mb_{i}', '?')} → {r.get(f'rss_peak_mb_{i}', '?')}" for i in range(inst))
    cpu = ", ".join(r.get(f"burst_cpu_ms_{i}", "?") for i in range(inst)) + f"; {r.get('burst_client_cpu_ms', '?')} ({r.get('burst_busy_pct', '?')}%)"
    lines.append(
        f"| {int(r['subscribers']):,} | {r['expected']} | {r['received']} | {r['lost']} | {r['duplicates']} | {r['outside']} "
        f"| {r['spaced_p50_ms']} / {r['spaced_p99_ms']} / {r['spaced_max_ms']} | {r['burst_p50_ms']} / {r['burst_p99_ms']} / {r['burst_max_ms']} "
        + (f"| {r['spaced_commit_p50_ms']} / {r['spaced_commit_p99_ms']}; {r['burst_commit_p50_ms']} / {r['burst_commit_p99_ms']} " if "spaced_commit_p99_ms" in r else "| (track_commit_timestamp off) ")
        + f"| {r['spaced_after_answer_p99_ms']} / {r['burst_after_answer_p99_ms']} | {r['spaced_spread_p99_ms']} / {r['burst_spread_p99_ms']} "
        f"| {r['mutation_p50_ms']} / {r['mutation_p99_ms']} | {r['statements_per_escalation']} / {r['fanout_statements_per_escalation']} | {stm} | {rss} | {cpu} |")
lines.append("")
section = "\n".join(lines) + "\n"
open(out + ".new", "w").write(section)
print(section)
PY
python3 bench/results.py "$OUT" "$OUT.new" && rm -f "$OUT.new"
