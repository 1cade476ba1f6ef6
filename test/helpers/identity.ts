import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../../src/app.ts";
import type { Env } from "../../src/config/load.ts";
import type { Deps } from "../../src/platform/deps.ts";
import { buildTestApp, type TestApp } from "./app.ts";
import { TestClock } from "./clock.ts";
import type { EngineUnderTest, TestDatabase } from "./database.ts";

export const ORIGIN = "http://localhost:3000";
export const STRONG_PASSWORD = "violet-harbour-lantern-42";

export interface IdentityHarness extends TestApp {
  readonly clock: TestClock;
  readonly database: TestDatabase;
  readonly outbox: string;
  /** Mails written to the outbox so far, newest last (raw .eml text). */
  mails(): string[];
  /** The token in the action link of the newest mail to `to`. */
  linkToken(to: string): string;
  close(): Promise<void>;
}

export async function identityHarness(
  engine: EngineUnderTest,
  env: Env = {},
  overrides: Partial<Deps> = {},
): Promise<IdentityHarness> {
  const database = await engine.create();
  const clock = new TestClock();
  const t = await buildTestApp(
    // Limits have their own tests; the flows here make more auth calls a minute than the auth tier allows.
    { COOKIE_SECURE: "true", PUBLIC_APP_URL: ORIGIN, ENABLE_RATE_LIMITING: "false", ...env },
    { database: database.handle, clock, ...overrides },
  );
  const outbox = t.outboxDir;
  await t.app.ready();
  const mails = () => {
    try {
      return readdirSync(outbox)
        .filter((f) => f.endsWith(".eml"))
        .sort()
        .map((f) => readFileSync(join(outbox, f), "utf8"));
    } catch {
      return [];
    }
  };
  return {
    ...t,
    clock,
    database,
    outbox,
    mails,
    linkToken(to: string) {
      const mail = mails()
        .filter((m) => m.includes(to))
        .at(-1);
      assert.ok(mail, `a mail to ${to}`);
      const unfolded = mail.replace(/=\r?\n/g, "").replace(/=3D/g, "=");
      const match = /token=([A-Za-z0-9_-]{20,})/.exec(unfolded);
      assert.ok(match, "the mail carries a token link");
      return match[1] as string;
    },
    async close() {
      await t.app.close();
      await database.drop();
    },
  };
}

export async function register(app: App, email: string, password = STRONG_PASSWORD, name = "Ada Lovelace") {
  return app.inject({ method: "POST", url: "/api/v1/auth/register", payload: { email, password, name } });
}

/** Registers, verifies and logs in a native client; returns its tokens. */
export async function signedInUser(h: IdentityHarness, email: string, password = STRONG_PASSWORD) {
  assert.equal((await register(h.app, email, password)).statusCode, 201);
  const verify = await h.app.inject({
    method: "POST",
    url: "/api/v1/auth/verify-email",
    payload: { token: h.linkToken(email) },
  });
  assert.equal(verify.statusCode, 200);
  const login = await h.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { email, password, clientType: "native" },
  });
  assert.equal(login.statusCode, 200, login.body);
  const body = login.json() as { accessToken: string; refreshToken: string; user: { id: string } };
  return { accessToken: body.accessToken, refreshToken: body.refreshToken, userId: body.user.id };
}

export function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}
