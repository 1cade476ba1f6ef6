import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PASSWORD = "bench-passphrase-violet-42";

/** Registers, verifies (token from the outbox) and signs in one user; returns the bearer header. */
export async function signedInBearer(baseUrl: string, dataDir: string): Promise<{ headers: Record<string, string> }> {
  const email = `bench-${Date.now()}@example.com`;
  const post = (path: string, body: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const registered = await post("/api/v1/auth/register", { email, password: PASSWORD, name: "Bench" });
  if (registered.status !== 201) throw new Error(`register: ${registered.status}`);
  const outbox = join(dataDir, "outbox");
  const mail = readdirSync(outbox)
    .filter((f) => f.endsWith(".eml"))
    .map((f) =>
      readFileSync(join(outbox, f), "utf8")
        .replace(/=\r?\n/g, "")
        .replace(/=3D/g, "="),
    )
    .find((m) => m.includes(email));
  const token = mail && /token=([A-Za-z0-9_-]{20,})/.exec(mail)?.[1];
  if (!token) throw new Error("no verification mail in the outbox");
  await post("/api/v1/auth/verify-email", { token });
  const login = await post("/api/v1/auth/login", { email, password: PASSWORD, clientType: "native" });
  const { accessToken } = (await login.json()) as { accessToken: string };
  return { headers: { authorization: `Bearer ${accessToken}` } };
}

/** A signed-in owner of a new company; the path names the company (an authenticated tenant route). */
export async function companyOwner(
  baseUrl: string,
  dataDir: string,
): Promise<{ headers: Record<string, string>; path: string }> {
  const { headers } = await signedInBearer(baseUrl, dataDir);
  const created = await fetch(`${baseUrl}/api/v1/companies`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ name: "Bench Co", slug: `bench-${Date.now()}` }),
  });
  if (created.status !== 201) throw new Error(`create company: ${created.status}`);
  const { id } = (await created.json()) as { id: string };
  return { headers, path: `/api/v1/companies/${id}` };
}
