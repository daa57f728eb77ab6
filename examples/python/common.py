"""What the three flows share: where the API is and the two gql transports.

Queries and mutations go over HTTP (AIOHTTPTransport), subscriptions over WebSocket with
the graphql-transport-ws protocol (WebsocketsTransport), the token in `connection_init`.
"""

import os

from gql import Client
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.websockets import WebsocketsTransport


def env(name: str) -> str:
    """A required environment variable (examples/run.sh sets them from the demo's output)."""
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f'set {name} (see "Use it from your code" in the README)')
    return value


URL = env("MFO_URL")  # e.g. http://127.0.0.1:8080/graphql
WS_URL = "ws" + URL.removeprefix("http")  # the same endpoint, ws:// or wss://


def http_client(token: str) -> Client:
    """A client for queries and mutations as `token`."""
    return Client(transport=AIOHTTPTransport(url=URL, headers={"Authorization": f"Bearer {token}"}))


class GraphQLTransportWS(WebsocketsTransport):
    """WebsocketsTransport speaking graphql-transport-ws only.

    gql looks the negotiated protocol up in the handshake's headers case-sensitively, as
    `Sec-WebSocket-Protocol`, and falls back to the Apollo protocol when the server spells
    it otherwise (HTTP/1.1 header names are case-insensitive; this server sends them in
    lower case). Only graphql-transport-ws is offered, so a handshake that succeeded
    agreed on it.
    """

    def __init__(self, **kwargs):
        super().__init__(subprotocols=[self.GRAPHQLWS_SUBPROTOCOL], **kwargs)

    async def _after_connect(self):
        self.subprotocol = self.GRAPHQLWS_SUBPROTOCOL


def ws_client(token: str) -> Client:
    """A client for subscriptions as `token` (graphql-transport-ws)."""
    return Client(transport=GraphQLTransportWS(url=WS_URL, init_payload={"Authorization": f"Bearer {token}"}))


def refused(what: str, user_errors: list) -> None:
    """Raises when a mutation was refused: nothing was stored then."""
    if user_errors:
        details = "; ".join(f"{e['reason']} {e.get('rule') or ''} {e['message']}" for e in user_errors)
        raise SystemExit(f"{what} refused: {details}")
