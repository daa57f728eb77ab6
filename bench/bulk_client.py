#!/usr/bin/env python3
"""Bulk sync's benchmark client (bench/bulk.sh): deterministic borrowers and loans, sent
through `upsertBorrowers` / `upsertLoans` by concurrent clients, written as NDJSON for
`mfo-api import`, or written as the pgbench script of one batch's statements.

  bulk_client.py send URL TOKEN borrowers|loans N CLIENTS   -> "items seconds rate"
  bulk_client.py ndjson borrowers|loans N FILE
  bulk_client.py pgbench MFO BORROWER_IDS FILE               -> one batch of 500 new loans
    (BORROWER_IDS: lines "externalId|id" of the borrowers, from psql -tA)

Loan i (from 0): external id BL<i>, borrower BB<i // 3>, contract date in January 2026,
principal 120,000 KZT over 12 monthly installments of 10,000 principal and 1,000 interest.
"""
import datetime
import json
import sys
import threading
import time
import urllib.request

BATCH = 500

BORROWERS_Q = "mutation($input: UpsertBorrowersInput!) { upsertBorrowers(input: $input) { counts { created updated unchanged refused } userErrors { code } } }"
LOANS_Q = "mutation($input: UpsertLoansInput!) { upsertLoans(input: $input) { counts { created updated unchanged refused } userErrors { code } } }"


def borrower(i):
    return {"externalId": f"BB{i:07d}", "fullName": f"Bench Borrower {i}", "language": "RU", "phone": "+7 700 000 0000"}


def contract_date(i):
    return datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 28)


def schedule(i):
    start = contract_date(i)
    lines = []
    for m in range(1, 13):
        month = start.month - 1 + m
        due = start.replace(year=start.year + month // 12, month=month % 12 + 1)
        lines.append({"dueDate": due.isoformat(), "principal": "10000", "interest": "1000"})
    return lines


def loan(i):
    return {
        "externalId": f"BL{i:07d}",
        "borrowerExternalId": f"BB{i // 3:07d}",
        "contractNumber": f"C-{i}",
        "contractDate": contract_date(i).isoformat(),
        "currency": "KZT",
        "principal": "120000",
        "annualRate": "0.22",
        "termMonths": 12,
        "contractAllowsAgency": True,
        "schedule": schedule(i),
    }


def send(url, token, kind, n, clients):
    make, query, field = (borrower, BORROWERS_Q, "upsertBorrowers") if kind == "borrowers" else (loan, LOANS_Q, "upsertLoans")
    batches = [range(s, min(s + BATCH, n)) for s in range(0, n, BATCH)]
    done = {"items": 0, "refused": 0, "errors": []}
    lock = threading.Lock()

    def worker(k):
        for b in batches[k::clients]:
            body = json.dumps({"query": query, "variables": {"input": {"items": [make(i) for i in b]}}}).encode()
            req = urllib.request.Request(url, body, {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(req, timeout=600) as r:
                answer = json.load(r)
            payload = (answer.get("data") or {}).get(field)
            with lock:
                if not payload or payload["userErrors"] or payload["counts"]["refused"]:
                    done["errors"].append(str(answer)[:500])
                else:
                    done["items"] += len(b)

    started = time.time()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - started
    if done["errors"]:
        print(f"bench: {len(done['errors'])} failed batches, first: {done['errors'][0]}", file=sys.stderr)
    print(f"{done['items']} {took:.1f} {done['items'] / took:.0f}")


def ndjson(kind, n, path):
    make = borrower if kind == "borrowers" else loan
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps(make(i)) + "\n")


def pgbench(mfo, ids_path, path):
    """The statements `write_loans` and `Write::commit` issue for a batch of 500 new loans
    (their shapes and row counts; values as literals). `:u` makes each transaction's outside
    ids its own; ids are derived from them in the statement."""
    items = [loan(i) for i in range(BATCH)]
    with open(ids_path) as f:
        borrower_id = dict(line.strip().split("|") for line in f if "|" in line)
    q = lambda s: "'" + s.replace("'", "''") + "'"
    ext = lambda i: f"'PB:u-{i:04d}'"
    lid = lambda i: f"md5('PB:u-{i:04d}')::uuid"
    borrowers = ", ".join(sorted({q(it["borrowerExternalId"]) for it in items}))
    out = ["\\set u random(1, 1000000000000)", "BEGIN;"]
    out.append(f"SELECT * FROM borrower WHERE mfo_id = '{mfo}' AND external_id IN ({borrowers});")
    keys = ", ".join(ext(i) for i in range(BATCH))
    out.append(f"SELECT * FROM loan WHERE mfo_id = '{mfo}' AND external_id IN ({keys}) ORDER BY external_id FOR UPDATE;")
    rows = []
    for i, it in enumerate(items):
        rows.append(
            f"({lid(i)}, '{mfo}', '{borrower_id[it['borrowerExternalId']]}', 'KZ', {ext(i)}, "
            f"{q(it['contractNumber'])}, '{it['contractDate']}', 'KZT', 120000, 0.22, 12, NULL, 'ACTIVE', 'INTEREST_FIRST', false, false, false, true, "
            f"NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{it['schedule'][0]['dueDate']}', NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, now(), now())"
        )
    out.append(
        "INSERT INTO loan (id, mfo_id, borrower_id, jurisdiction, external_id, contract_number, contract_date, currency, principal, "
        "annual_rate, term_months, credit_limit, status, repayment_order, mortgage_secured, secured_by_dwelling, business_purpose, "
        "contract_allows_agency, court_act_on, enforcement_inscription_on, settlement_agreement_on, reducing_settlement_on, "
        "claim_assigned_on, insolvency_from, insolvency_to, first_unpaid_due_date, notice_episode_since, notice_checked_due_date, "
        "contract_meeting_window_start, contract_meeting_window_end, contract_meetings_per_day, contract_meetings_per_week, "
        "contract_meetings_on_days_off, claim_assignee, created_at, updated_at) VALUES "
        + ", ".join(rows)
        + " ON CONFLICT (mfo_id, external_id) DO NOTHING RETURNING id;"
    )
    rows = []
    for i, it in enumerate(items):
        for s, line in enumerate(it["schedule"], 1):
            rows.append(f"(gen_random_uuid(), {lid(i)}, {s}, '{line['dueDate']}', {line['principal']}, {line['interest']})")
    out.append("INSERT INTO installment (id, loan_id, seq, due_date, principal, interest) VALUES " + ", ".join(rows) + ";")
    out.append("UPDATE chain_head SET appended = appended WHERE name = 'audit' RETURNING name, last_hash, appended;")
    rows = [
        f"(gen_random_uuid(), now(), 'loan.created', 'loan', {lid(i)}, '{mfo}', 'KZ', json_build_object('loanId', {lid(i)}))"
        for i in range(BATCH)
    ]
    out.append("INSERT INTO outbox_event (id, occurred_at, topic, subject_type, subject_id, org_id, jurisdiction, payload) VALUES " + ", ".join(rows) + ";")
    out.append("SELECT pg_notify('mfo_outbox', current_schema() || ' ' || md5(x::text)) FROM generate_series(1, 500) AS x;")
    out.append("UPDATE chain_head SET appended = appended WHERE name = 'audit' RETURNING name, last_hash, appended;")
    rows = []
    for i, it in enumerate(items):
        after = json.dumps({"externalId": f"PB-{i}", "contractNumber": it["contractNumber"], "contractDate": it["contractDate"],
                            "currency": "KZT", "principal": "120000", "annualRate": "0.22", "termMonths": 12,
                            "schedule": [[s, l["dueDate"], l["principal"], l["interest"]] for s, l in enumerate(it["schedule"], 1)]})
        rows.append(
            f"(gen_random_uuid(), now(), 'MFO_STAFF:bench@{mfo}', '{mfo}', 'loan.created', 'loan', {lid(i)}, NULL, {q(after)}, "
            f"'{'0' * 64}', md5(random()::text) || md5(random()::text))"
        )
    out.append("INSERT INTO audit_entry (id, recorded_at, actor, org_id, action, subject_type, subject_id, before, after, prev_hash, hash) VALUES " + ", ".join(rows) + ";")
    out.append(f"UPDATE chain_head SET last_hash = md5(random()::text) || md5(random()::text), appended = appended + {BATCH} WHERE name = 'audit';")
    out.append("COMMIT;")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "send":
        send(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]))
    elif cmd == "ndjson":
        ndjson(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif cmd == "pgbench":
        pgbench(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
