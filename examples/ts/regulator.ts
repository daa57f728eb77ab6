// Regulator flow: the `escalations` subscription with `after:` replays what was raised
// after a cursor before it streams new ones, so a monitor that was offline resumes where it
// stopped. Here: from a cursor two escalations back in the list.
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { env, request, wsUrl } from "./common.ts";

const token = env("MFO_REGULATOR_TOKEN");

type Escalation = { cursor: string; rule: string; severity: string; raisedAt: string; message: string };
const FIELDS = "cursor rule severity raisedAt message";

// 1. The cursor a monitor kept: here, read from the list (oldest first).
const { escalations } = await request<{ escalations: { edges: { node: Escalation }[] } }>(
  token,
  `{ escalations(first: 100) { edges { node { ${FIELDS} } } } }`,
);
const seen = escalations.edges.map((e) => e.node);
if (seen.length < 3) throw new Error(`the demo should have escalations, found ${seen.length}`);
const resumeAfter = seen[seen.length - 3].cursor;
const expected = 2;

// 2. Subscribe from that cursor: the ones after it are replayed first, in order.
const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${token}` },
});
let replayed = 0;
for await (const result of client.iterate<{ escalations: Escalation }>({
  query: `subscription($after: String) { escalations(after: $after) { ${FIELDS} } }`,
  variables: { after: resumeAfter },
})) {
  if (result.errors?.length) throw new Error(result.errors[0].message);
  const e = result.data!.escalations;
  console.log(`${e.raisedAt} ${e.severity} ${e.rule}: ${e.message}`);
  if (++replayed === expected) break; // a real monitor keeps listening for new ones
}
await client.dispose();
console.log(`replayed ${replayed} escalations after the saved cursor`);
