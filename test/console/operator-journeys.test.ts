import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { assertAccessible, chromiumAvailability, consolePage, eventually, screenshot, signIn } from "./browser.ts";
import type { ConsoleServer } from "./server.ts";
import { startConsoleSuite, stopConsoleSuite } from "./suite.ts";

// The console's operator journeys, and what a member without permission cannot do, in
// Debian's headless Chromium against a real Rampart (SQLite; see journeys.test.ts). Every
// click goes through the page, every effect is checked where a user (or an integration)
// would notice it — the page, the API's answers, the audit trail. Each page also runs axe
// (no serious or critical violation) and records no CSP violation.

const [sqlite] = await enginesUnderTest();

describe("the console in headless Chromium (SQLite): platform operators and refusals", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let browser: Browser;
  let owner: SignedIn;
  let company: { id: string; name: string };
  before(async () => {
    ({ s, browser, owner, company } = await startConsoleSuite(sqlite));
  });
  after(() => stopConsoleSuite(s, browser));

  it("flips the kill switch: the API answers 503 with the reason, then recovers", async () => {
    const operator = await newUser(s.h, "operator");
    await makePlatformAdmin(s.h, operator.userId);
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, operator.email, STRONG_PASSWORD, "/console/operator/kill-switch");
    await page.getByRole("heading", { name: "Kill switch" }).waitFor();
    await page.getByText("OFF — the API serves normally").waitFor();
    await assertAccessible(page, "kill switch");
    await screenshot(page, "kill-switch");
    await page.getByLabel("Public reason").fill("Planned database maintenance");
    await page.getByLabel("Retry-After (seconds)").fill("30");
    await page.getByRole("button", { name: "Turn the kill switch on" }).click();
    const dialog = page.getByRole("dialog");
    assert.match((await dialog.textContent()) ?? "", /503/, "the confirmation names the consequence");
    await dialog.getByRole("button", { name: "Stop the API" }).click();
    await page.getByText("ON — the API answers 503 to every request").waitFor();

    const probe = () =>
      fetch(`${s.origin}/api/v1/companies/${company.id}`, {
        headers: { authorization: `Bearer ${owner.accessToken}` },
      });
    const refused = await eventually(probe, (r) => r.status === 503);
    assert.equal(refused.headers.get("retry-after"), "30");
    assert.equal(((await refused.json()) as { detail: string }).detail, "Planned database maintenance");

    await page.getByRole("button", { name: "Turn the kill switch off" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Resume the API" }).click();
    await page.getByText("OFF — the API serves normally").waitFor();
    await eventually(probe, (r) => r.status !== 503);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("shows the operator's screens: live charts, companies and users", async () => {
    const operator = await newUser(s.h, "operator2");
    await makePlatformAdmin(s.h, operator.userId);
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, operator.email, STRONG_PASSWORD, "/console/operator/metrics");
    await page.getByRole("heading", { name: "Live metrics" }).waitFor();
    await page.locator("canvas").nth(3).waitFor();
    assert.equal(await page.locator("canvas").count(), 4);
    await page.getByRole("img", { name: /Request rate\. Latest: requests\/s: \d/ }).waitFor();
    await assertAccessible(page, "live metrics");
    await screenshot(page, "metrics");
    await page.getByRole("link", { name: "Companies" }).click();
    await page.getByRole("cell", { name: "Acme", exact: true }).waitFor();
    await page.getByLabel("Search by name, slug or id").fill("no-such-company");
    await page.getByText("No company matches.").waitFor();
    // The server searches (q), across every company, not the page the browser holds.
    const searched = page.waitForRequest(
      (r) => r.url().includes("/api/v1/admin/companies") && new URL(r.url()).searchParams.get("q") === "acme",
    );
    await page.getByLabel("Search by name, slug or id").fill("acme");
    await searched;
    await page.getByRole("cell", { name: "Acme", exact: true }).waitFor();
    await assertAccessible(page, "companies");
    await screenshot(page, "companies");
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("cell", { name: operator.email, exact: true }).waitFor();
    await assertAccessible(page, "users");
    await screenshot(page, "users");
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("a member without permission neither sees nor reaches admin actions, by link or by URL", async () => {
    const viewer = await newUser(s.h, "viewer");
    await joinDirectly(s.h, company.id, viewer, "viewer");
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, viewer.email, STRONG_PASSWORD);
    await page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Console" });
    for (const hidden of ["Invitations", "Partners", "API keys", "Audit trail", "Kill switch", "Companies", "Users"]) {
      assert.equal(await nav.getByRole("link", { name: hidden }).count(), 0, `${hidden} is not offered`);
    }
    assert.equal(await page.getByRole("button", { name: /^Remove/ }).count(), 0);
    assert.equal(await page.getByRole("combobox").count(), 0, "no role can be changed");
    for (const path of [
      `/companies/${company.id}/api-keys`,
      `/companies/${company.id}/audit`,
      `/companies/${company.id}/invitations`,
      "/operator/kill-switch",
      "/operator/users",
    ]) {
      await page.goto(`${s.origin}/console${path}`);
      await page.getByRole("heading", { name: "Not allowed" }).waitFor();
      assert.equal(
        await page.getByRole("button", { name: /Create key|Turn the kill switch|Suspend|Send invitation/ }).count(),
        0,
      );
    }
    await assertAccessible(page, "not allowed");
    // And the API, which the console only mirrors, refuses the same calls.
    const asViewer = { authorization: `Bearer ${viewer.accessToken}` };
    assert.equal(
      (await fetch(`${s.origin}/api/v1/companies/${company.id}/api-keys`, { headers: asViewer })).status,
      403,
    );
    assert.equal((await fetch(`${s.origin}/api/v1/admin/kill-switch`, { headers: asViewer })).status, 403);
    assert.deepEqual(problems, []);
    await context.close();
  });
  // Last: it moves the harness clock past the step-up window (STEP_UP_MAX_AGE_S, 600 s).
  it("asks for the password when an action needs a recent sign-in, then completes it (feature flags)", async () => {
    const operator = await newUser(s.h, "operator3");
    await makePlatformAdmin(s.h, operator.userId);
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, operator.email, STRONG_PASSWORD, "/console/operator/feature-flags");
    await page.getByRole("heading", { name: "Feature flags" }).waitFor();
    await assertAccessible(page, "feature flags");
    await screenshot(page, "feature-flags");
    s.h.clock.advance(700);
    await page.getByRole("button", { name: "Turn signup off" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Turn off" }).click();
    const stepUp = page.getByRole("dialog", { name: "Confirm it is you" });
    await stepUp.waitFor();
    await assertAccessible(page, "step-up dialog");
    await stepUp.getByLabel("Password").fill(STRONG_PASSWORD);
    await stepUp.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("button", { name: "Turn signup on" }).waitFor();
    const register = () =>
      fetch(`${s.origin}/api/v1/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: `late-${Date.now()}@example.com`, password: STRONG_PASSWORD, name: "Late" }),
      });
    const refused = await eventually(register, (r) => r.status === 403);
    assert.equal(((await refused.json()) as { code: string }).code, "feature.disabled");
    // The fresh sign-in of the step-up covers the next action: no second prompt.
    await page.getByRole("button", { name: "Turn signup on" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("button", { name: "Turn signup off" }).waitFor();
    assert.equal(await stepUp.count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
