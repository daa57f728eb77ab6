// What the three flows share: where the API is, and one function for queries and mutations
// over HTTP (subscriptions go over graphql-ws, in each flow).

/** A required environment variable (examples/run.sh sets them from the demo's output). */
export function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see "Use it from your code" in the README)`);
  return value;
}

/** The GraphQL endpoint, e.g. http://127.0.0.1:8080/graphql. */
export const url = env("MFO_URL");
/** The same endpoint for graphql-transport-ws: ws:// (or wss://) instead of http(s)://. */
export const wsUrl = url.replace(/^http/, "ws");

/** POSTs one operation as `token`; returns `data`, throws on top-level errors. */
export async function request<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const [e] = body.errors;
    throw new Error(`${e.extensions?.code ?? "ERROR"}: ${e.message}`);
  }
  return body.data as T;
}

/** A business refusal, as every mutation payload lists them. */
export interface UserError {
  field: string[];
  message: string;
  reason: string;
  rule: string | null;
}

/** Throws when a mutation was refused: nothing was stored then. */
export function refused(what: string, errors: UserError[]): void {
  if (errors.length) {
    throw new Error(`${what} refused: ${errors.map((e) => `${e.reason} ${e.rule ?? ""} ${e.message}`).join("; ")}`);
  }
}
