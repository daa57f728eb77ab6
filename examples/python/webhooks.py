"""Webhook receiver: the MFO registers an endpoint (this program's own small HTTP server),
a change happens (the MFO's core banking syncs a borrower), and the delivery arrives signed
per Standard Webhooks; the receiver verifies it with the `standardwebhooks` package before
it trusts a byte of it, as a partner's receiver must. The demo server runs with
MFO_WEBHOOK_ALLOW_PRIVATE=true so that it may call this program on 127.0.0.1."""

import asyncio
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer

from gql import GraphQLRequest
from standardwebhooks.webhooks import Webhook

from common import env, http_client, refused

CREATE = GraphQLRequest(
    """mutation($input: CreateWebhookEndpointInput!) {
         createWebhookEndpoint(input: $input) { webhookEndpoint { id secret } userErrors { field message reason rule } }
       }"""
)
UPSERT = GraphQLRequest(
    """mutation($input: UpsertBorrowerInput!) {
         upsertBorrower(input: $input) { borrower { id } userErrors { field message reason rule } }
       }"""
)

received: "asyncio.Queue[tuple[dict, bytes]]"


class Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.send_response(204)
        self.end_headers()
        loop.call_soon_threadsafe(received.put_nowait, ({k.lower(): v for k, v in self.headers.items()}, body))

    def log_message(self, *args) -> None:
        pass


async def main() -> None:
    global received, loop
    received, loop = asyncio.Queue(), asyncio.get_running_loop()
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"

    async with http_client(env("MFO_MANAGER_TOKEN")) as mfo:
        created = (await mfo.execute(CREATE, variable_values={"input": {"url": url, "eventTypes": ["BORROWER"]}}))[
            "createWebhookEndpoint"
        ]
        refused("the endpoint", created["userErrors"])
        secret = created["webhookEndpoint"]["secret"]
        external_id = f"hook-{uuid.uuid4()}"
        borrower = {"externalId": external_id, "fullName": "Dana Webhook", "address": "Almaty, Abay 1",
                    "phone": "+7 701 000 00 00", "language": "RU"}
        synced = (await mfo.execute(UPSERT, variable_values={"input": borrower}))["upsertBorrower"]
        refused("the borrower", synced["userErrors"])

    headers, body = await asyncio.wait_for(received.get(), timeout=30)
    Webhook(secret).verify(body, headers)  # raises unless the signature and timestamp hold
    event = json.loads(body)
    assert event["data"]["recordId"] == synced["borrower"]["id"], event
    print(f"webhook verified: {event['type']} {headers['webhook-id']}")
    server.shutdown()


asyncio.run(main())
