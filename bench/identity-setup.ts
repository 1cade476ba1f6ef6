import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PASSWORD = "bench-passphrase-violet-42";

/** What a scenario's prepare step hands the load: headers, and optionally another path or a body. */
export interface Prepared {
  headers: Record<string, string>;
  path?: string;
  body?: string;
}

const post = (baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** Registers one user and verifies the address with the token from the development outbox. */
async function verifiedUser(baseUrl: string, dataDir: string): Promise<string> {
  const email = `bench-${Date.now()}@example.com`;
  const registered = await post(baseUrl, "/api/v1/auth/register", { email, password: PASSWORD, name: "Bench" });
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
  // Mail leaves through the durable queue's worker: wait for it to reach the development outbox.
  const token = await verificationToken(join(dataDir, "outbox"), email);
  await post(baseUrl, "/api/v1/auth/verify-email", { token });
  return email;
}

async function verificationToken(outbox: string, email: string): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const mail = (existsSync(outbox) ? readdirSync(outbox) : [])
      .filter((f) => f.endsWith(".eml"))
      .map((f) =>
        readFileSync(join(outbox, f), "utf8")
          .replace(/=\r?\n/g, "")
          .replace(/=3D/g, "="),
      )
      .find((m) => m.includes(email));
    const token = mail && /token=([A-Za-z0-9_-]{20,})/.exec(mail)?.[1];
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("no verification mail in the outbox after 15 s");
}

const loginBody = (email: string) => ({ email, password: PASSWORD, clientType: "native" });

/** Registers, verifies (token from the outbox) and signs in one user; returns the bearer header. */
export async function signedInBearer(baseUrl: string, dataDir: string): Promise<Prepared> {
  const email = await verifiedUser(baseUrl, dataDir);
  const login = await post(baseUrl, "/api/v1/auth/login", loginBody(email));
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { headers: { authorization: `Bearer ${accessToken}` } };
}

/** A verified user's login request, for loading POST /auth/login itself. */
export async function loginRequest(baseUrl: string, dataDir: string): Promise<Prepared> {
  return { headers: {}, body: JSON.stringify(loginBody(await verifiedUser(baseUrl, dataDir))) };
}

/** A new company's owner. */
async function ownedCompany(
  baseUrl: string,
  dataDir: string,
): Promise<{ headers: Record<string, string>; id: string }> {
  const { headers } = await signedInBearer(baseUrl, dataDir);
  const created = await post(baseUrl, "/api/v1/companies", { name: "Bench Co", slug: `bench-${Date.now()}` }, headers);
  if (created.status !== 201) throw new Error(`create company: ${created.status}`);
  const { id } = (await created.json()) as { id: string };
  return { headers, id };
}

/** A signed-in owner of a new company; the path names the company (an authenticated tenant route). */
export async function companyOwner(baseUrl: string, dataDir: string): Promise<Prepared> {
  const { headers, id } = await ownedCompany(baseUrl, dataDir);
  return { headers, path: `/api/v1/companies/${id}` };
}

/** A member's read of their company's member list. */
export async function companyMembers(baseUrl: string, dataDir: string): Promise<Prepared> {
  const { headers, id } = await ownedCompany(baseUrl, dataDir);
  return { headers, path: `/api/v1/companies/${id}/members` };
}

/** An API key with members:read reading its company's member list (the X-Api-Key path). */
export async function apiKeyMembers(baseUrl: string, dataDir: string): Promise<Prepared> {
  const { headers, id } = await ownedCompany(baseUrl, dataDir);
  const created = await post(
    baseUrl,
    `/api/v1/companies/${id}/api-keys`,
    { name: "bench", scopes: ["members:read"] },
    headers,
  );
  if (created.status !== 201) throw new Error(`create API key: ${created.status}`);
  const { key } = (await created.json()) as { key: string };
  return { headers: { "x-api-key": key }, path: `/api/v1/companies/${id}/members` };
}
