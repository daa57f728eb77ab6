#!/usr/bin/env python3
"""Webhook delivery under load, for bench/run.sh (BENCH_ONLY=webhooks).

    bench/webhooks.py GRAPHQL_URL STAFF_TOKEN EVENTS ENDPOINTS FIRST_PORT CLIENTS

Creates ENDPOINTS webhook endpoints (borrower changes) through the API, each pointing at a
receiver of its own: a separate process on FIRST_PORT + i that verifies every delivery's
Standard Webhooks signature (HMAC-SHA256 over `id.timestamp.body` with the `whsec_`
secret; checked at start against the specification's example) and records per delivery
its arrival time, `webhook-id` and the event's commit-side time. Then commits EVENTS
borrower upserts (one event each) from CLIENTS concurrent clients as fast as the API
answers, and waits until every event has arrived at every endpoint (or 60 s without
progress).

Latency per delivery: received - the event's `timestamp` (the outbox row's `occurred_at`,
taken when the writing transaction began: an upper bound of committed -> received) and
received - the mutation's acknowledgment (a lower bound: the commit came before the
answer). The last line is `WEBHOOKS key=value ...` for run.sh.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import multiprocessing
import sys
import threading
import time
import uuid
from datetime import datetime


def sign(secret, msg_id, ts, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


# The Standard Webhooks specification's example: the receiver's check is the scheme's.
assert sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
            b'{"test": 2432232314}') == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def parse_time(s):
    """RFC 3339 with up to nine fractional digits, as seconds since the epoch."""
    s = s.replace("Z", "+00:00")
    if "." in s:
        head, rest = s.split(".", 1)
        i = next((k for k, c in enumerate(rest) if not c.isdigit()), len(rest))
        s = f"{head}.{rest[:i][:6].ljust(6, '0')}{rest[i:]}"
    return datetime.fromisoformat(s).timestamp()


def receive(port, secret, conn, stop, distinct):
    """One endpoint's receiver; counts distinct ids in `distinct`, sends its records through
    `conn` when `stop` is set."""
    records, bad, seen = [], [], set()

    class Hook(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the worker reuses its connections

        def do_POST(self):
            got = time.time()
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            msg_id, ts = self.headers.get("webhook-id", ""), self.headers.get("webhook-timestamp", "")
            sigs = self.headers.get("webhook-signature", "").split(" ")
            ok = ts.isdigit() and abs(time.time() - int(ts)) < 300 and sign(secret, msg_id, ts, body) in sigs
            if ok:
                event = json.loads(body)
                records.append((msg_id, got, parse_time(event["timestamp"]), event["data"]["recordId"]))
                if msg_id not in seen:
                    seen.add(msg_id)
                    with distinct.get_lock():
                        distinct.value += 1
            else:
                bad.append(msg_id)
            self.send_response(204 if ok else 400)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop.wait()
    server.shutdown()
    conn.send((records, bad))


def gql(conn, token, query, variables):
    conn.request("POST", "/graphql", json.dumps({"query": query, "variables": variables}),
                 {"content-type": "application/json", "authorization": f"Bearer {token}"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    if resp.status != 200 or "errors" in body:
        raise RuntimeError(f"{resp.status}: {body}")
    return body["data"]


CREATE = "mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id secret } userErrors { code } } }"
UPSERT = "mutation($input: UpsertBorrowerInput!) { upsertBorrower(input: $input) { borrower { id } userErrors { code } } }"


def pct(v, q):
    return v[min(len(v) - 1, int(len(v) * q))] if v else float("nan")


def main():
    url, token, events, endpoints, first_port, clients = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
    host = url.split("//", 1)[1].split("/", 1)[0]
    api = http.client.HTTPConnection(host)
    receivers = []
    for i in range(endpoints):
        port = first_port + i
        d = gql(api, token, CREATE, {"input": {"url": f"http://127.0.0.1:{port}/hook", "eventTypes": ["BORROWER"]}})
        e = d["createWebhookEndpoint"]
        assert e["userErrors"] == [], d
        parent, child = multiprocessing.Pipe()
        stop, distinct = multiprocessing.Event(), multiprocessing.Value("i", 0)
        p = multiprocessing.Process(target=receive, args=(port, e["webhookEndpoint"]["secret"], child, stop, distinct))
        p.start()
        receivers.append((p, parent, stop, distinct))
    time.sleep(0.5)

    acked, failures, lock = {}, [], threading.Lock()
    run = uuid.uuid4().hex[:8]

    def client(c):
        conn = http.client.HTTPConnection(host)
        for n in range(c, events, clients):
            key = f"WH-{run}-{n}"
            inp = {"externalId": key, "fullName": f"Borrower {key}", "address": "Abay 1, Almaty", "language": "RU"}
            try:
                d = gql(conn, token, UPSERT, {"input": inp})
                assert d["upsertBorrower"]["userErrors"] == [], d
                with lock:
                    acked[d["upsertBorrower"]["borrower"]["id"]] = time.time()
            except Exception as e:  # noqa: BLE001 - counted and reported
                with lock:
                    failures.append(str(e)[:200])
                conn = http.client.HTTPConnection(host)

    started = time.time()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committed_s = time.time() - started

    # Every event at every endpoint, or no progress for 60 s.
    expected = len(acked)
    progress, last = time.time(), -1
    while time.time() - progress < 60:
        total = sum(r[3].value for r in receivers)
        if total >= expected * endpoints:
            break
        if total != last:
            progress, last = time.time(), total
        time.sleep(0.05)
    drained_s = time.time() - started
    time.sleep(1)  # a second copy of anything would show up now
    for _, _, stop, _ in receivers:
        stop.set()
    results = [parent.recv() for _, parent, _, _ in receivers]
    for p, _, _, _ in receivers:
        p.join()

    lat_commit, lat_ack, lost, dup, bad = [], [], 0, 0, 0
    for records, unverified in results:
        bad += len(unverified)
        ids = [r[0] for r in records]
        dup += len(ids) - len(set(ids))
        seen = set()
        for msg_id, got, at, record in records:
            if msg_id in seen:
                continue
            seen.add(msg_id)
            lat_commit.append(got - at)
            if record in acked:
                lat_ack.append(got - acked[record])
        lost += len(set(acked) - {r[3] for r in records})
    lat_commit.sort()
    lat_ack.sort()
    ms = lambda v: f"{v * 1000:.0f}"  # noqa: E731
    print(f"WEBHOOKS events={expected} endpoints={endpoints} received={sum(len(r[0]) for r in results)} lost={lost} "
          f"duplicated={dup} unverified={bad} failures={len(failures)} commit_rate={expected / committed_s:.0f} "
          f"commit_s={committed_s:.1f} drained_s={drained_s:.1f} "
          f"p50_ms={ms(pct(lat_commit, 0.5))} p99_ms={ms(pct(lat_commit, 0.99))} max_ms={ms(lat_commit[-1] if lat_commit else 0)} "
          f"ack_p50_ms={ms(pct(lat_ack, 0.5))} ack_p99_ms={ms(pct(lat_ack, 0.99))}")
    if failures:
        print("first failure:", failures[0], file=sys.stderr)


if __name__ == "__main__":
    main()
