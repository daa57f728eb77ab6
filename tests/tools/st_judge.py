"""Judges a schemathesis run of the outside-tools suite (tests/tools/run.sh) from its HAR
record: a server error is an HTTP 5xx or a GraphQL error coded INTERNAL (or uncoded).
Other codes (the contract's NOT_FOUND, FORBIDDEN, BAD_USER_INPUT) are tallied by code.
Usage: st_judge.py <label> <run.har> <schemathesis output>; prints one figure line and
exits 1 on a server error, on a run without requests, or on an error of schemathesis's
own (an operation it could not generate for went untested)."""

import collections, json, re, sys
label, har_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
out = open(out_path, encoding="utf-8", errors="replace").read()
try:
    entries = json.load(open(har_path, encoding="utf-8"))["log"]["entries"]
except (OSError, ValueError, KeyError):
    entries = []
operations, codes, server_errors, examples = set(), collections.Counter(), 0, []
for e in entries:
    body = e["request"].get("postData", {}).get("text", "")
    try:
        query = json.loads(body).get("query", "")
    except ValueError:
        query = ""
    m = re.search(r"^\s*(?:mutation|query|subscription)?\s*\{\s*(\w+)", query)
    if m:
        operations.add(m.group(1))
    status = e["response"]["status"]
    text = e["response"].get("content", {}).get("text", "") or ""
    try:
        errors = json.loads(text).get("errors") or []
    except (ValueError, AttributeError):
        errors = []
    bad = status >= 500
    for err in errors:
        code = (err.get("extensions") or {}).get("code")
        codes[code or "(none)"] += 1
        bad = bad or code in (None, "INTERNAL")
    if bad:
        server_errors += 1
        examples.append(f"{status} {query[:300]!r} -> {text[:300]}")
# An operation schemathesis could not generate for (an unknown scalar) or an error of its
# own means part of the API went untested.
m = re.search(r"Errors:\n((?:.*\n)+?)\n", out)
tool_errors = m.group(1).strip() if m else ""
print(
    f"schemathesis: {label}: {len(operations)} operations, {len(entries)} requests, {server_errors} server errors "
    f"(GraphQL error codes: {dict(sorted(codes.items()))})"
)
for x in examples[:10]:
    print("  " + x)
failed = server_errors > 0 or not entries or bool(tool_errors)
if tool_errors:
    print("schemathesis errors:\n" + tool_errors)
if not entries:
    print(out[-4000:])
sys.exit(1 if failed else 0)
