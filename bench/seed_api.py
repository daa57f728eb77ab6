#!/usr/bin/env python3
"""A small portfolio through the API, for bench/run.sh's SQLite run (bench/load.sql is
PostgreSQL's bulk SQL): N borrowers with one loan each, contracted 2026-06-01 and unpaid
(overdue since 2026-07-01). Prints the loans' global ids, comma-separated.

    seed_api.py URL STAFF_TOKEN N
"""
import json
import sys
import urllib.request

url, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])


def gql(query, variables):
    req = urllib.request.Request(url, json.dumps({"query": query, "variables": variables}).encode(),
                                 {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    body = json.load(urllib.request.urlopen(req))
    if body.get("errors"):
        sys.exit(f"seed_api: {body['errors']}")
    return body["data"]


BORROWER = "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { userErrors { code message } } }"
LOAN = "mutation($input: UpsertLoanInput!) { upsertLoan(input: $input) { loan { id } userErrors { code message } } }"
ids = []
for i in range(1, n + 1):
    b = gql(BORROWER, {"input": {"externalId": f"B-{i}", "fullName": f"Borrower {i}", "address": "Abay 1, Almaty",
                                 "phone": "+7 701 000 00 00", "language": "RU"}})
    assert b["upsertBorrower"]["userErrors"] == [], b
    schedule = [{"dueDate": f"2026-0{m}-01", "principal": "100000", "interest": "8750"} for m in (7, 8, 9)]
    l = gql(LOAN, {"input": {"externalId": f"L-{i}", "borrowerExternalId": f"B-{i}", "contractNumber": f"C-{i}",
                             "contractDate": "2026-06-01", "currency": "KZT", "principal": "300000",
                             "annualRate": "0.35", "termMonths": 3, "contractAllowsAgency": True,
                             "schedule": schedule}})
    assert l["upsertLoan"]["userErrors"] == [], l
    ids.append(l["upsertLoan"]["loan"]["id"])
print(",".join(ids))
