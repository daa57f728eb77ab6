// Mobile-app flow: the borrower submits a restructuring application (with a
// clientSubmissionId, so a retry registers one) and follows `applicationUpdates` until the
// MFO's decision arrives. Here the program also plays the MFO's manager (MFO_MANAGER_TOKEN)
// so that a decision comes; a real app only waits.
import { randomUUID } from "node:crypto";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { env, refused, request, type UserError, wsUrl } from "./common.ts";

const borrower = env("MFO_BORROWER_TOKEN");
const manager = env("MFO_MANAGER_TOKEN");

type Application = { id: string; incomingNumber: string; status: string; decision: { kind: string } | null };
const FIELDS = "id incomingNumber status decision { kind }";

// 1. The borrower's loan and the application, sent once even if the network retries it.
const { loans } = await request<{ loans: { edges: { node: { id: string; contractNumber: string } }[] } }>(
  borrower,
  `{ loans(first: 1) { edges { node { id contractNumber } } } }`,
);
const loan = loans.edges[0].node;
const { submitRestructuringApplication: submitted } = await request<{
  submitRestructuringApplication: { application: Application | null; userErrors: UserError[] };
}>(
  borrower,
  `mutation($input: SubmitRestructuringApplicationInput!) {
     submitRestructuringApplication(input: $input) { application { ${FIELDS} } userErrors { field message reason rule } }
   }`,
  {
    input: {
      clientSubmissionId: randomUUID(),
      loanId: loan.id,
      grounds: [{ ground: "MATERIAL_LOSS" }],
      requestedMeasures: [{ measure: "NEW_TERM" }],
      monthlyIncome: "450000.00", // Decimal: a string, at the currency's scale
      otherMonthlyDebtPayments: "0.00",
    },
  },
);
refused("submitRestructuringApplication", submitted.userErrors);
const application = submitted.application!;
console.log(`application ${application.incomingNumber} on ${loan.contractNumber}: ${application.status}`);

// 2. Follow it over graphql-transport-ws; the token goes in connection_init's payload.
const client = createClient({
  url: wsUrl,
  webSocketImpl: WebSocket,
  connectionParams: { Authorization: `Bearer ${borrower}` },
});
const updates = client.iterate<{ applicationUpdates: Application }>({
  query: `subscription($id: ID!) { applicationUpdates(applicationId: $id) { ${FIELDS} } }`,
  variables: { id: application.id },
});

// 3. (The MFO's side, normally elsewhere) a manager decides once the app is listening.
setTimeout(async () => {
  const { decideRestructuringApplication: d } = await request<{
    decideRestructuringApplication: { userErrors: UserError[] };
  }>(
    manager,
    `mutation($input: DecideRestructuringApplicationInput!) {
       decideRestructuringApplication(input: $input) { userErrors { field message reason rule } }
     }`,
    {
      input: {
        applicationId: application.id,
        decision: "APPROVE",
        terms: { newTermMonths: 24 },
        signatory: { fullName: "Omarov D. K.", position: "Chairman of the Board" },
      },
    },
  );
  refused("decideRestructuringApplication", d.userErrors);
}, 1000);

for await (const result of updates) {
  if (result.errors?.length) throw new Error(result.errors[0].message);
  const a = result.data!.applicationUpdates;
  console.log(`update: ${a.status}`);
  if (a.decision) {
    console.log(`decision arrived: ${a.decision.kind} (${a.status})`);
    break; // leaving the loop completes the subscription
  }
}
await client.dispose();
