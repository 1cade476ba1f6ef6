import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { chromiumAvailability, consolePage, launchChromium } from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

// The start-up refresh (console/src/main.tsx) can settle before the app's first effects run:
// effects wait for a paint. The app must still show what the refresh decided. Made certain
// here: the refresh is answered at once and every animation frame (which Preact's effects
// wait for) is held back, so the answer always comes first. Before the fix the page stayed
// at "Loading your session" for good (the journeys saw it now and then under load).

const [sqlite] = await enginesUnderTest();

describe("the console's start-up in headless Chromium", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let browser: Browser;
  before(async () => {
    assert.ok(sqlite);
    s = await consoleServer(sqlite);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await s?.h.close();
  });

  it("shows the sign-in page even when the start-up refresh settles before the first effects run", async () => {
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.addInitScript(
      "{ const raf = window.requestAnimationFrame.bind(window); window.requestAnimationFrame = (cb) => setTimeout(() => raf(cb), 1500); }",
    );
    await page.route("**/api/v1/auth/refresh", (route) =>
      route.fulfill({
        status: 401,
        contentType: "application/problem+json",
        body: JSON.stringify({
          type: "about:blank",
          title: "Unauthorized",
          status: 401,
          code: "auth.invalid_refresh_token",
        }),
      }),
    );
    await page.goto(`${s.origin}/console`);
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor({ timeout: 20_000 });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
