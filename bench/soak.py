#!/usr/bin/env python3
"""The soak's load and its RSS samples (bench/soak.sh starts the server and calls this).

Mixed steady load for DURATION seconds: CONNS keep-alive HTTP connections alternate PHASE
seconds of reads (the MFO's loan list, 50 a page with each loan's overdue, installments
and borrower, paging through the portfolio) with PHASE seconds of `registerComplaint`,
while SUBSCRIBERS WebSockets (graphql-transport-ws) hold an `escalations` subscription
(the regulator's) or a `complaintUpdates` one and reconnect every RECONNECT seconds, so
sockets and subscriptions are opened and dropped all along. Every answer is checked: a
non-200, an `errors` key or a non-empty `userErrors` counts as a failure, and any failure
fails the soak. The server's RSS (VmRSS of /proc/PID/status) is sampled every SAMPLE
seconds into CSV_OUT (`seconds,rss_kb`); growth is the median of the last three samples
minus the median of the first three after WARMUP seconds.

Standard library only (the CI machines install nothing for it).

    soak.py URL PID STAFF_TOKEN REGULATOR_TOKEN CSV_OUT

Settings from the environment: SOAK_SECONDS, SOAK_WARMUP_SECONDS, SOAK_PHASE_SECONDS,
SOAK_CONNECTIONS, SOAK_SUBSCRIBERS, SOAK_RECONNECT_SECONDS, SOAK_SAMPLE_SECONDS.
Prints one line: `rss_start_mb rss_end_mb growth_mb reads writes events failures`.
"""
import base64
import http.client
import json
import os
import socket
import statistics
import struct
import sys
import threading
import time
import urllib.parse
import uuid

url, pid, staff, regulator, csv_out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
env = lambda k, d: float(os.environ.get(k, d))  # noqa: E731
DURATION = env("SOAK_SECONDS", 600)
WARMUP = env("SOAK_WARMUP_SECONDS", 60)
PHASE = env("SOAK_PHASE_SECONDS", 10)
CONNS = int(env("SOAK_CONNECTIONS", 8))
SUBSCRIBERS = int(env("SOAK_SUBSCRIBERS", 4))
RECONNECT = env("SOAK_RECONNECT_SECONDS", 15)
SAMPLE = env("SOAK_SAMPLE_SECONDS", 5)

target = urllib.parse.urlparse(url)
HOST, PORT, PATH = target.hostname, target.port or 80, target.path or "/graphql"

LOANS = ("query($after: String) { loans(first: 50, after: $after) { pageInfo { hasNextPage endCursor } "
         "edges { node { id overdue { overdue since amount } installments(first: 24) { nodes { seq dueDate principal interest } } "
         "borrower { fullName phone } } } } }")
REGISTER = ("mutation($input: RegisterComplaintInput!) { registerComplaint(input: $input) "
            "{ complaint { id number } userErrors { code message } } }")

started = time.monotonic()
stop = threading.Event()
lock = threading.Lock()
counts = {"reads": 0, "writes": 0, "events": 0, "failures": 0}
first_failure = []


def count(key, detail=None):
    with lock:
        counts[key] += 1
        if key == "failures" and detail and not first_failure:
            first_failure.append(detail)


def post(conn, token, query, variables):
    body = json.dumps({"query": query, "variables": variables})
    conn.request("POST", PATH, body, {"Content-Type": "application/json", "Authorization": "Bearer " + token})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"HTTP {r.status}: {data[:300]!r}")
    doc = json.loads(data)
    if doc.get("errors"):
        raise RuntimeError(f"errors: {doc['errors']}")
    return doc["data"]


def complaint_input():
    return {"clientSubmissionId": str(uuid.uuid4()), "kind": "COMPLAINT", "channel": "POST", "form": "WRITTEN",
            "language": "RU", "substance": "The fee was charged twice.", "signed": True,
            "complainants": [{"fullName": "Soak Complainant", "address": "Abay 1, Almaty"}]}


def worker():
    conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
    after = None
    while not stop.is_set():
        reading = int((time.monotonic() - started) // PHASE) % 2 == 0
        try:
            if reading:
                page = post(conn, staff, LOANS, {"after": after})["loans"]
                after = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
                count("reads")
            else:
                r = post(conn, staff, REGISTER, {"input": complaint_input()})["registerComplaint"]
                if r["userErrors"]:
                    raise RuntimeError(f"userErrors: {r['userErrors']}")
                count("writes")
        except Exception as e:  # one failure fails the soak; the connection is renewed
            count("failures", f"{'read' if reading else 'write'}: {e}")
            conn.close()
            conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
            time.sleep(0.5)
    conn.close()


# A minimal WebSocket client (RFC 6455): text frames out (masked), frames in.
def ws_open(token):
    s = socket.create_connection((HOST, PORT), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {PATH} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise RuntimeError("closed during the upgrade")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError(f"upgrade refused: {head[:200]!r}")
    ws_send(s, {"type": "connection_init", "payload": {"Authorization": "Bearer " + token}})
    ack = ws_recv(s)
    if not ack or ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    return s


def ws_send(s, msg, opcode=1):
    data = json.dumps(msg).encode() if opcode == 1 else msg
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x80 | opcode])
    head += bytes([0x80 | n]) if n < 126 else (bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536
                                                else bytes([0x80 | 127]) + struct.pack(">Q", n))
    s.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))


def read_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def ws_recv(s):
    """The next JSON message; None on a read timeout. Answers pings."""
    while True:
        try:
            b0, b1 = read_exact(s, 2)
        except socket.timeout:
            return None
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", read_exact(s, 2))[0]
        elif n == 127:
            n = struct.unpack(">Q", read_exact(s, 8))[0]
        payload = read_exact(s, n)
        opcode = b0 & 0x0F
        if opcode == 8:
            raise EOFError(f"closed by the server: {payload[:2].hex()} {payload[2:]!r}")
        if opcode == 9:
            ws_send(s, payload, opcode=10)
            continue
        if opcode == 1:
            msg = json.loads(payload)
            if msg.get("type") == "ping":
                ws_send(s, {"type": "pong"})
                continue
            return msg


def subscriber(i, complaint_ids):
    """Even subscribers follow escalations (the regulator), odd ones a complaint (staff)."""
    while not stop.is_set():
        s = None
        try:
            if i % 2 == 0 or not complaint_ids:
                s = ws_open(regulator)
                ws_send(s, {"id": "1", "type": "subscribe",
                            "payload": {"query": "subscription { escalations { id rule } }"}})
            else:
                s = ws_open(staff)
                cid = complaint_ids[i % len(complaint_ids)]
                ws_send(s, {"id": "1", "type": "subscribe", "payload": {
                    "query": "subscription($id: ID!) { complaintUpdates(complaintId: $id) { id status } }",
                    "variables": {"id": cid}}})
            s.settimeout(1)
            until = time.monotonic() + RECONNECT
            while time.monotonic() < until and not stop.is_set():
                msg = ws_recv(s)
                if msg is None:
                    continue
                if msg.get("type") == "next" and not msg.get("payload", {}).get("errors"):
                    count("events")
                else:
                    raise RuntimeError(f"subscription message: {msg}")
            ws_send(s, {"id": "1", "type": "complete"})
        except Exception as e:
            if not stop.is_set():
                count("failures", f"subscriber {i}: {e!r}")
                time.sleep(1)
        finally:
            if s is not None:
                s.close()


def rss_kb():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


# A few complaints to follow: registered before the load starts.
setup = http.client.HTTPConnection(HOST, PORT, timeout=60)
followed = [post(setup, staff, REGISTER, {"input": complaint_input()})["registerComplaint"]["complaint"]["id"]
            for _ in range(2)]
setup.close()

threads = [threading.Thread(target=worker, daemon=True) for _ in range(CONNS)]
threads += [threading.Thread(target=subscriber, args=(i, followed), daemon=True) for i in range(SUBSCRIBERS)]
for t in threads:
    t.start()
samples = []
with open(csv_out, "w") as out:
    out.write("seconds,rss_kb\n")
    while True:
        elapsed = time.monotonic() - started
        kb = rss_kb()
        samples.append((elapsed, kb))
        out.write(f"{elapsed:.0f},{kb}\n")
        out.flush()
        if elapsed >= DURATION:
            break
        time.sleep(min(SAMPLE, max(0.0, DURATION - elapsed)))
stop.set()
for t in threads:
    t.join(timeout=10)

after_warmup = [kb for s, kb in samples if s >= WARMUP]
if len(after_warmup) < 6:
    sys.exit(f"soak: too few samples after warm-up ({len(after_warmup)}): lengthen SOAK_SECONDS")
start_mb = statistics.median(after_warmup[:3]) / 1024
end_mb = statistics.median(after_warmup[-3:]) / 1024
if first_failure:
    print(f"soak: first failure: {first_failure[0]}", file=sys.stderr)
print(f"{start_mb:.1f} {end_mb:.1f} {end_mb - start_mb:.1f} {counts['reads']} {counts['writes']} "
      f"{counts['events']} {counts['failures']}")
