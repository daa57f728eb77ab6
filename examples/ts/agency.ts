// Agency flow: ask what may be done now (permittedActions), act, and record the contact
// with the clearance the API gave for it (recordContact). The contact is stored whatever
// happens; the payload's `clearance` says whether the clearance covered it.
import { randomUUID } from "node:crypto";
import { env, refused, request, type UserError } from "./common.ts";

const token = env("MFO_AGENCY_TOKEN");

// 1. The loans handed to this agency, and who we are (X2: every contact says so).
const { loans, me } = await request<{
  loans: { edges: { node: { id: string; contractNumber: string } }[] };
  me: { organization: { name: string } };
}>(token, `{ loans(first: 1) { edges { node { id contractNumber } } } me { organization { name } } }`);
const loan = loans.edges[0]?.node;
if (!loan) throw new Error("no loan is handed to this agency");

// 2. What may be done with the debtor now: a call if allowed, else a written contact.
type Verdict = { action: string; allowed: boolean; reason: string; clearance: string | null; clearanceExpiresAt: string | null };
const { permittedActions } = await request<{ permittedActions: Verdict[] }>(
  token,
  `query($loanId: ID!) { permittedActions(loanId: $loanId) { action allowed reason clearance clearanceExpiresAt } }`,
  { loanId: loan.id },
);
const verdict =
  permittedActions.find((v) => v.action === "CALL" && v.allowed) ??
  permittedActions.find((v) => v.allowed && v.clearance && v.action !== "CONTACT_THIRD_PARTY");
if (!verdict) throw new Error(`no contact allowed now: ${permittedActions.map((v) => v.reason).join(" ")}`);
console.log(`${verdict.action} allowed on ${loan.contractNumber}; clearance valid until ${verdict.clearanceExpiresAt}`);

// 3. ... the collector makes the contact, then records it with the clearance.
const { recordContact } = await request<{
  recordContact: {
    contact: { id: string; violations: string[] } | null;
    clearance: string | null;
    warnings: { code: string; message: string }[];
    userErrors: UserError[];
  };
}>(
  token,
  `mutation($input: RecordContactInput!) {
     recordContact(input: $input) {
       contact { id violations } clearance warnings { code message } userErrors { field message reason rule }
     }
   }`,
  {
    input: {
      clientSubmissionId: randomUUID(), // a retry with the same id stores one contact
      loanId: loan.id,
      channel: verdict.action, // the contact actions share their names with the channels
      occurredAt: new Date().toISOString(),
      outcome: "REACHED",
      disclosure: {
        organizationName: me.organization.name,
        organizationLocation: "Almaty, Dostyk 5",
        personName: "Nurzhan Abenov",
        personPosition: "Collector",
      },
      clearance: verdict.clearance,
    },
  },
);
refused("recordContact", recordContact.userErrors);
for (const w of recordContact.warnings) console.warn(`warning ${w.code}: ${w.message}`);
console.log(
  `contact recorded: ${recordContact.contact?.id}, clearance ${recordContact.clearance}, ` +
    `violations [${recordContact.contact?.violations.join(", ")}]`,
);
