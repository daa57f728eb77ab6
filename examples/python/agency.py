"""Agency flow: ask what may be done now (permittedActions), act, and record the contact
with the clearance the API gave for it (recordContact). The contact is stored whatever
happens; the payload's `clearance` says whether the clearance covered it."""

import asyncio
import uuid
from datetime import datetime, timezone

from gql import GraphQLRequest

from common import env, http_client, refused

LOANS = GraphQLRequest("{ loans(first: 1) { edges { node { id contractNumber } } } me { organization { name } } }")
PERMITTED = GraphQLRequest(
    "query($loanId: ID!) { permittedActions(loanId: $loanId) { action allowed reason clearance clearanceExpiresAt } }"
)
RECORD = GraphQLRequest(
    """mutation($input: RecordContactInput!) {
         recordContact(input: $input) {
           contact { id violations } clearance warnings { code message } userErrors { field message reason rule }
         }
       }"""
)


async def main() -> None:
    async with http_client(env("MFO_AGENCY_TOKEN")) as session:
        # 1. The loans handed to this agency, and who we are (X2: every contact says so).
        result = await session.execute(LOANS)
        loan = result["loans"]["edges"][0]["node"]
        organization = result["me"]["organization"]["name"]

        # 2. What may be done with the debtor now: a call if allowed, else a written contact.
        verdicts = (await session.execute(GraphQLRequest(PERMITTED, variable_values={"loanId": loan["id"]})))[
            "permittedActions"
        ]
        allowed = [v for v in verdicts if v["allowed"] and v["clearance"] and v["action"] != "CONTACT_THIRD_PARTY"]
        allowed.sort(key=lambda v: v["action"] != "CALL")
        if not allowed:
            raise SystemExit("no contact allowed now: " + " ".join(v["reason"] for v in verdicts))
        verdict = allowed[0]
        print(f"{verdict['action']} allowed on {loan['contractNumber']}; clearance valid until {verdict['clearanceExpiresAt']}")

        # 3. ... the collector makes the contact, then records it with the clearance.
        contact = {
            "clientSubmissionId": str(uuid.uuid4()),  # a retry with the same id stores one contact
            "loanId": loan["id"],
            "channel": verdict["action"],  # the contact actions share their names with the channels
            "occurredAt": datetime.now(timezone.utc).isoformat(),
            "outcome": "REACHED",
            "disclosure": {
                "organizationName": organization,
                "organizationLocation": "Almaty, Dostyk 5",
                "personName": "Nurzhan Abenov",
                "personPosition": "Collector",
            },
            "clearance": verdict["clearance"],
        }
        recorded = (await session.execute(GraphQLRequest(RECORD, variable_values={"input": contact})))["recordContact"]
        refused("recordContact", recorded["userErrors"])
        for warning in recorded["warnings"]:
            print(f"warning {warning['code']}: {warning['message']}")
        print(
            f"contact recorded: {recorded['contact']['id']}, clearance {recorded['clearance']}, "
            f"violations [{', '.join(recorded['contact']['violations'])}]"
        )


asyncio.run(main())
