#!/usr/bin/env python3
"""The SQL one request made, from PostgreSQL's log, as a pgbench script.

    bench/capture_sql.py LOGFILE OFFSET DATABASE > script.sql

Reads LOGFILE from byte OFFSET (its size before the request), keeps the statements logged
for DATABASE (`log_statement = all`, default `log_line_prefix` '%m [%p] %q%u@%d '), and
writes each with its bind parameters in place as literals, one per line, in the order the
server ran them. Prints how many on stderr.
"""
import re
import sys

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[\d+\] (?:\S*@(\S*) )?(\w+):\s+(.*)$")
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)


def main():
    path, offset, database = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(path, encoding="utf-8", errors="replace") as f:
        f.seek(offset)
        text = f.read()
    entries = []  # [database, level, message]
    for line in text.splitlines():
        m = PREFIX.match(line)
        if m:
            entries.append([m.group(1), m.group(2), m.group(3)])
        elif entries:
            entries[-1][2] += "\n" + line
    out = []
    for db, level, msg in entries:
        if db != database:
            continue
        if level == "LOG" and (s := STATEMENT.match(msg)):
            out.append(s.group(1))
        elif level == "DETAIL" and msg.startswith("parameters:") and out:
            params = {int(n): v for n, v in PARAM.findall(msg)}
            out[-1] = re.sub(r"\$(\d+)\b", lambda m: params.get(int(m.group(1)), m.group(0)), out[-1])
    statements = [s.replace("\n", " ").strip() for s in out if s.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK")]
    for s in statements:
        print(s.rstrip(";") + ";")
    print(f"{len(statements)} statements", file=sys.stderr)


if __name__ == "__main__":
    main()
