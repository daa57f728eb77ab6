"""Regulator flow: the `escalations` subscription with `after:` replays what was raised
after a cursor before it streams new ones, so a monitor that was offline resumes where it
stopped. Here: from a cursor two escalations back in the list."""

import asyncio

from gql import GraphQLRequest

from common import env, http_client, ws_client

FIELDS = "cursor rule severity raisedAt message"
LIST = GraphQLRequest(f"{{ escalations(first: 100) {{ edges {{ node {{ {FIELDS} }} }} }} }}")
FEED = GraphQLRequest(f"subscription($after: String) {{ escalations(after: $after) {{ {FIELDS} }} }}")


async def main() -> None:
    token = env("MFO_REGULATOR_TOKEN")
    # 1. The cursor a monitor kept: here, read from the list (oldest first).
    async with http_client(token) as session:
        seen = [e["node"] for e in (await session.execute(LIST))["escalations"]["edges"]]
    if len(seen) < 3:
        raise SystemExit(f"the demo should have escalations, found {len(seen)}")
    resume_after, expected = seen[-3]["cursor"], 2

    # 2. Subscribe from that cursor: the ones after it are replayed first, in order.
    replayed = 0
    async with ws_client(token) as session:
        async for event in session.subscribe(GraphQLRequest(FEED, variable_values={"after": resume_after})):
            e = event["escalations"]
            print(f"{e['raisedAt']} {e['severity']} {e['rule']}: {e['message']}")
            replayed += 1
            if replayed == expected:
                break  # a real monitor keeps listening for new ones
    print(f"replayed {replayed} escalations after the saved cursor")


asyncio.run(main())
