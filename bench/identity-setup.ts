import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const PASSWORD = "bench-passphrase-violet-42";

/** Registers, verifies (token from the outbox) and signs in one user; returns the bearer header. */
export async function signedInBearer(baseUrl: string, dataDir: string): Promise<Record<string, string>> {
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
  return { authorization: `Bearer ${accessToken}` };
}
