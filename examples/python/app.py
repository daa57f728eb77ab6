"""Mobile-app flow: the borrower submits a restructuring application (with a
clientSubmissionId, so a retry registers one) and follows `applicationUpdates` until the
MFO's decision arrives. Here the program also plays the MFO's manager (MFO_MANAGER_TOKEN)
so that a decision comes; a real app only waits."""

import asyncio
import uuid

from gql import GraphQLRequest

from common import env, http_client, refused, ws_client

FIELDS = "id incomingNumber status decision { kind }"
LOANS = GraphQLRequest("{ loans(first: 1) { edges { node { id contractNumber } } } }")
SUBMIT = GraphQLRequest(
    f"""mutation($input: SubmitRestructuringApplicationInput!) {{
          submitRestructuringApplication(input: $input) {{
            application {{ {FIELDS} }} userErrors {{ field message reason rule }}
          }}
        }}"""
)
UPDATES = GraphQLRequest(f"subscription($id: ID!) {{ applicationUpdates(applicationId: $id) {{ {FIELDS} }} }}")
DECIDE = GraphQLRequest(
    """mutation($input: DecideRestructuringApplicationInput!) {
         decideRestructuringApplication(input: $input) { userErrors { field message reason rule } }
       }"""
)


async def decide_as_the_mfo(application_id: str) -> None:
    """The MFO's side, normally elsewhere: a manager decides once the app is listening."""
    await asyncio.sleep(1)
    decision = {
        "applicationId": application_id,
        "decision": "APPROVE",
        "terms": {"newTermMonths": 24},
        "signatory": {"fullName": "Omarov D. K.", "position": "Chairman of the Board"},
    }
    async with http_client(env("MFO_MANAGER_TOKEN")) as session:
        result = await session.execute(GraphQLRequest(DECIDE, variable_values={"input": decision}))
        refused("decideRestructuringApplication", result["decideRestructuringApplication"]["userErrors"])


async def main() -> None:
    token = env("MFO_BORROWER_TOKEN")
    # 1. The borrower's loan and the application, sent once even if the network retries it.
    async with http_client(token) as session:
        loan = (await session.execute(LOANS))["loans"]["edges"][0]["node"]
        application = {
            "clientSubmissionId": str(uuid.uuid4()),
            "loanId": loan["id"],
            "grounds": [{"ground": "MATERIAL_LOSS"}],
            "requestedMeasures": [{"measure": "NEW_TERM"}],
            "monthlyIncome": "450000.00",  # Decimal: a string, at the currency's scale
            "otherMonthlyDebtPayments": "0.00",
        }
        result = (await session.execute(GraphQLRequest(SUBMIT, variable_values={"input": application})))[
            "submitRestructuringApplication"
        ]
        refused("submitRestructuringApplication", result["userErrors"])
        submitted = result["application"]
        print(f"application {submitted['incomingNumber']} on {loan['contractNumber']}: {submitted['status']}")

    # 2. Follow it over graphql-transport-ws; the token goes in connection_init's payload.
    async with ws_client(token) as session:
        staff_step = asyncio.create_task(decide_as_the_mfo(submitted["id"]))
        async for update in session.subscribe(GraphQLRequest(UPDATES, variable_values={"id": submitted["id"]})):
            a = update["applicationUpdates"]
            print(f"update: {a['status']}")
            if a["decision"]:
                print(f"decision arrived: {a['decision']['kind']} ({a['status']})")
                break  # leaving the loop completes the subscription
        await staff_step


asyncio.run(main())
