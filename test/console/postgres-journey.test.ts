import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { createCompany, joinDirectly, newUser } from "../helpers/tenancy.ts";
import { chromiumAvailability, consolePage, launchChromium, signIn } from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

// A console journey on PostgreSQL (the others run on SQLite: journeys.test.ts,
// operator-journeys.test.ts), in Debian's headless Chromium against a real Rampart. Every
// click goes through the page, every effect is checked where a user (or an integration)
// would notice it — the page, the API's answers, the audit trail. Each page also runs axe
// (no serious or critical violation) and records no CSP violation.

const [, postgres] = await enginesUnderTest();

describe(
  "the console in headless Chromium (PostgreSQL)",
  postgres?.skip ? { skip: postgres.skip } : chromiumAvailability(),
  () => {
    let s: ConsoleServer;
    let browser: Browser;
    before(async () => {
      assert.ok(postgres);
      s = await consoleServer(postgres);
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await s?.h.close();
    });

    it("signs in, changes a member's role and finds the change in the audit trail", async () => {
      const owner = await newUser(s.h, "pg-owner");
      const member = await newUser(s.h, "pg-member");
      const company = await createCompany(s.h.app, owner, "globex", "Globex");
      await joinDirectly(s.h, company.id, member, "member");
      const context = await browser.newContext();
      const { page, problems } = await consolePage(context);
      await signIn(page, s.origin, owner.email, STRONG_PASSWORD);
      await page.getByRole("heading", { name: "Members of Globex" }).waitFor();
      await page.getByLabel(`Role of ${member.email}`).selectOption("viewer");
      await page.getByRole("link", { name: "Audit trail" }).click();
      await page.getByLabel("Action").fill("member.*");
      await page.getByRole("button", { name: "Apply filters" }).click();
      const row = page.getByRole("row").filter({ hasText: "member.role_changed" }).filter({ hasText: member.userId });
      await row.first().waitFor();
      assert.match((await row.first().textContent()) ?? "", /viewer/);
      assert.deepEqual(problems, []);
      await context.close();
    });
  },
);
