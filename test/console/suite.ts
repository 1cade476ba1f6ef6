import assert from "node:assert/strict";
import type { Browser } from "playwright-core";
import type { EngineUnderTest } from "../helpers/database.ts";
import { createCompany, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { launchChromium } from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

/** What a console journey suite starts with: a console server, a Chromium, an owner and their company Acme. */
export interface ConsoleSuite {
  readonly s: ConsoleServer;
  readonly browser: Browser;
  readonly owner: SignedIn;
  readonly company: { id: string; name: string };
}

export async function startConsoleSuite(engine: EngineUnderTest | undefined): Promise<ConsoleSuite> {
  assert.ok(engine);
  const s = await consoleServer(engine);
  const browser = await launchChromium();
  const owner = await newUser(s.h, "owner");
  const company = await createCompany(s.h.app, owner, "acme", "Acme");
  return { s, browser, owner, company };
}

/** Closes what startConsoleSuite opened (either may be missing when it failed half-way). */
export async function stopConsoleSuite(s: ConsoleServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close();
  await s?.h.close();
}
