// The graphql-http audit (GraphQL over HTTP conformance) against a running mfo-api.
// Usage: node audit.mjs <url of /graphql> <bearer token>. Prints one figure line, the
// reason of every audit that is not ok, and exits 1 on any error or warning. The token
// goes on every request: the audit's queries ({ __typename } and the like) are about
// the transport, and an anonymous caller is refused before the transport is exercised.
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs <url> <token>');
  process.exit(2);
}
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
const by = (s) => results.filter((r) => r.status === s);
for (const r of results.filter((r) => r.status !== 'ok')) {
  console.log(`  ${r.status} ${r.id} ${r.name}: ${r.reason}`);
}
const [errors, warnings, notices, ok] = ['error', 'warn', 'notice', 'ok'].map((s) => by(s).length);
console.log(`graphql-http audit: ${errors} errors, ${warnings} warnings, ${notices} notices, ${ok} ok`);
process.exit(errors === 0 && warnings === 0 ? 0 : 1);
