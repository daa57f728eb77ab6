"""Schemathesis hooks for mfo-api (the outside-tools suite).

`Decimal` travels as a string (e.g. "300000.50"): schemathesis has no strategy for it, so
well-formed decimals of every size and, now and then, any text, so that both the parser
and the rules behind it are reached.

`ID`: random strings only ever reach NOT_FOUND. When run.sh passes the server and a
token (MFO_ST_URL, MFO_ST_TOKEN), the ids the token can see are read once from the API
and offered most of the time, so that generated mutations and queries act on real loans,
complaints and applications of the demo."""

import json
import os
import urllib.request

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-10**15, max_value=10**15).map(str)
schemathesis.graphql.scalar("Decimal", st.one_of(decimals, decimals, st.text(max_size=40)).map(nodes.String))

IDS_QUERY = """{
  organizations { id }
  loans(first: 50) { edges { node { id borrower { id } } } }
  complaints(first: 50) { edges { node { id } } }
  restructuringApplications(first: 50) { edges { node { id } } }
  escalations(first: 20) { edges { node { id } } }
  deadlines(first: 20) { edges { node { id } } }
}"""


def _visible_ids(url, token):
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": IDS_QUERY}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    found = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key == "id" and isinstance(item, str):
                    found.add(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(body.get("data"))
    return sorted(found)


if os.environ.get("MFO_ST_URL") and os.environ.get("MFO_ST_TOKEN"):
    ids = _visible_ids(os.environ["MFO_ST_URL"], os.environ["MFO_ST_TOKEN"])
    if ids:
        real = st.sampled_from(ids)
        schemathesis.graphql.scalar("ID", st.one_of(real, real, real, st.text(max_size=30)).map(nodes.String))
