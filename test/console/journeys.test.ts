import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { codeFor, userWithTotp } from "../helpers/mfa.ts";
import { createCompany, joinDirectly, newUser, type SignedIn } from "../helpers/tenancy.ts";
import {
  assertAccessible,
  chromiumAvailability,
  consolePage,
  screenshot,
  signIn,
  virtualAuthenticator,
} from "./browser.ts";
import type { ConsoleServer } from "./server.ts";
import { startConsoleSuite, stopConsoleSuite } from "./suite.ts";

// The console's main journeys in Debian's headless Chromium against a real Rampart: every
// click goes through the page, every effect is checked where a user (or an integration)
// would notice it — the page, the API's answers, the audit trail. Each page also runs axe
// (no serious or critical violation) and records no CSP violation.

const [sqlite] = await enginesUnderTest();

describe("the console in headless Chromium (SQLite): company members", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let browser: Browser;
  let owner: SignedIn;
  let company: { id: string; name: string };
  before(async () => {
    ({ s, browser, owner, company } = await startConsoleSuite(sqlite));
  });
  after(() => stopConsoleSuite(s, browser));

  it("signs in, keeps the session across a reload (refresh cookie), and signs out everywhere", async () => {
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.goto(`${s.origin}/console`);
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    await assertAccessible(page, "sign in");
    await screenshot(page, "sign-in");
    await signIn(page, s.origin, owner.email, STRONG_PASSWORD);
    await page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    assert.match(page.url(), new RegExp(`/console/companies/${company.id}/members$`));
    await page.getByRole("cell", { name: owner.email, exact: true }).waitFor();
    await assertAccessible(page, "members");
    await screenshot(page, "members");
    await page.setViewportSize({ width: 375, height: 800 });
    await screenshot(page, "members-375px");
    // A string: the test is type-checked without the DOM library.
    const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
    assert.ok(overflow <= 0, `no horizontal scrolling of the page at 375 px (${overflow}px)`);
    await page.setViewportSize({ width: 1280, height: 800 });

    await page.reload();
    await page.getByRole("heading", { name: "Members of Acme" }).waitFor();

    await page.getByRole("link", { name: "Profile & sessions" }).click();
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    await page.getByText("this session").waitFor();
    await assertAccessible(page, "profile");
    await screenshot(page, "profile");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Sign out everywhere" }).click();
    await page.getByText("Signed out on every device.").waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("works from the keyboard: sign in with Tab and Enter; Escape cancels a confirmation", async () => {
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await page.goto(`${s.origin}/console/profile`);
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    const focused = () =>
      page.evaluate("document.activeElement?.getAttribute('name') ?? document.activeElement?.textContent");
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "email");
    await page.keyboard.type(owner.email);
    await page.keyboard.press("Tab");
    assert.equal(await focused(), "password");
    await page.keyboard.type(STRONG_PASSWORD);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    await page.getByRole("button", { name: "Sign out everywhere" }).focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("asks for the second factor when the API answers with an MFA ticket", async () => {
    const email = `mfa-${Date.now()}@example.com`;
    const user = await userWithTotp(s.h, email);
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, email, STRONG_PASSWORD);
    await page.getByRole("heading", { name: "Second factor" }).waitFor();
    await assertAccessible(page, "second factor");
    await page.getByLabel("Code").fill("000000");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Code").fill(codeFor(s.h, user.secret));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("invites a member, who accepts in a second browser context; a role change is in the audit trail", async () => {
    const invitee = await newUser(s.h, "invitee");
    const ownerContext = await browser.newContext();
    const { page, problems } = await consolePage(ownerContext);
    await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/invitations`);
    await page.getByRole("heading", { name: "Invitations to Acme" }).waitFor();
    await page.getByLabel("Email").fill(invitee.email);
    await page.getByLabel("Role").selectOption("member");
    await page.getByRole("button", { name: "Send invitation" }).click();
    await page.getByRole("cell", { name: invitee.email, exact: true }).waitFor();
    await assertAccessible(page, "invitations");
    await screenshot(page, "invitations");

    const inviteeContext = await browser.newContext();
    const invited = await consolePage(inviteeContext);
    const link = `/console/invitations/accept?token=${s.h.linkToken(invitee.email)}`;
    await signIn(invited.page, s.origin, invitee.email, STRONG_PASSWORD, link);
    await invited.page.getByRole("heading", { name: "Accept invitation" }).waitFor();
    await assertAccessible(invited.page, "accept invitation");
    await screenshot(invited.page, "accept-invitation");
    await invited.page.getByRole("button", { name: "Accept invitation" }).click();
    await invited.page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    await invited.page.getByRole("cell", { name: invitee.email, exact: true }).waitFor();
    assert.deepEqual(invited.problems, []);
    await inviteeContext.close();

    await page.getByRole("link", { name: "Members" }).click();
    await page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    await page.getByLabel(`Role of ${invitee.email}`).selectOption("manager");
    await page.getByRole("link", { name: "Audit trail" }).click();
    await page.getByRole("heading", { name: "Audit trail of Acme" }).waitFor();
    await page.getByLabel("Action").fill("member.role_changed");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const row = page.getByRole("row").filter({ hasText: "member.role_changed" }).filter({ hasText: invitee.userId });
    await row.first().waitFor();
    assert.match((await row.first().textContent()) ?? "", /manager/);
    // The actor filter: the invitee changed no role; the owner did. A later time range: nothing.
    await page.getByLabel("Actor (user or key id)").fill(invitee.userId);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No audit events match these filters.").waitFor();
    await page.getByLabel("Actor (user or key id)").fill(owner.userId);
    await page.getByRole("button", { name: "Apply filters" }).click();
    await row.first().waitFor();
    await page.getByLabel("From").fill("2099-01-01T00:00");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.getByText("No audit events match these filters.").waitFor();
    await page.getByLabel("From").fill("");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await row.first().waitFor();
    await assertAccessible(page, "audit trail");
    await screenshot(page, "audit");
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Export CSV" }).click();
    const csv = await (await download).path();
    const { readFileSync } = await import("node:fs");
    assert.match(readFileSync(csv, "utf8"), /member\.role_changed/);
    assert.deepEqual(problems, []);
    await ownerContext.close();
  });

  it("pages through the audit trail 25 events at a time, forward and back", async () => {
    const pager = await newUser(s.h, "pager");
    const paged = await createCompany(s.h.app, pager, "paged", "Paged");
    const member = await newUser(s.h, "paged-member");
    await joinDirectly(s.h, paged.id, member, "member");
    for (let i = 0; i < 30; i++) {
      const res = await s.h.app.inject({
        method: "PATCH",
        url: `/api/v1/companies/${paged.id}/members/${member.userId}`,
        headers: { authorization: `Bearer ${pager.accessToken}` },
        payload: { role: i % 2 === 0 ? "viewer" : "member" },
      });
      assert.ok(res.statusCode < 300, res.body);
    }
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, pager.email, STRONG_PASSWORD, `/console/companies/${paged.id}/audit`);
    const rows = page.locator("tbody tr");
    await rows.nth(24).waitFor();
    assert.equal(await rows.count(), 25);
    const firstPage = await rows.first().textContent();
    await page.getByRole("button", { name: "Next page" }).click();
    // Locators, not waitForFunction: a string predicate is eval'd on every poll, which the console's CSP
    // refuses. The table may be empty while the page loads: wait for a 7th row to go (page one had 25),
    // then for the 6th to appear.
    await rows.nth(6).waitFor({ state: "detached" });
    await rows.nth(5).waitFor();
    assert.notEqual(await rows.first().textContent(), firstPage);
    // 31 events (the company's creation and 30 role changes): 6 on the second page.
    assert.equal(await rows.count(), 6);
    assert.equal(await page.getByRole("button", { name: "Next page" }).isDisabled(), true);
    await page.getByRole("button", { name: "Previous page" }).click();
    await rows.nth(24).waitFor();
    assert.equal(await rows.first().textContent(), firstPage);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("explains a refusal from the problem's detail: the last owner cannot be demoted", async () => {
    const context = await browser.newContext();
    const { page } = await consolePage(context);
    await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/members`);
    await page.getByLabel(`Role of ${owner.email}`).selectOption("admin");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? "", /owner/i);
    await context.close();
  });

  it("creates an API key (field errors at their field, secret shown once, copied), the key calls the API, and once revoked it is refused", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.origin });
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/api-keys`);
    await page.getByRole("heading", { name: "API keys of Acme" }).waitFor();
    await page.getByText("No API keys yet.").waitFor();
    // The API's field errors appear next to their field, and the field is marked invalid.
    await page.getByRole("button", { name: "Create key" }).click();
    const nameField = page.getByLabel("Name");
    await page.locator('input[name="name"][aria-invalid="true"]').waitFor();
    const describedBy = (await nameField.getAttribute("aria-describedby")) ?? "";
    assert.ok(describedBy !== "", "the error describes the field");
    assert.notEqual(((await page.locator(`#${describedBy}`).textContent()) ?? "").trim(), "");
    await page.getByLabel("Name").fill("ci-robot");
    await page.getByLabel("members:read").check();
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = ((await page.getByTestId("api-key-secret").textContent()) ?? "").trim();
    assert.match(secret, /^rk_/);
    await page.getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate("navigator.clipboard.readText()"), secret);
    await assertAccessible(page, "api keys");
    await screenshot(page, "api-keys");

    const call = () =>
      fetch(`${s.origin}/api/v1/companies/${company.id}/members`, { headers: { "x-api-key": secret } });
    assert.equal((await call()).status, 200);

    await page.getByRole("button", { name: "Done" }).click();
    assert.equal(await page.getByTestId("api-key-secret").count(), 0, "the secret is not shown again");
    await page.getByRole("button", { name: "Revoke ci-robot" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke key" }).click();
    // A revoked key leaves the list (an expired one stays, to explain a failing integration).
    await page.getByText("No API keys yet.").waitFor();
    assert.equal((await call()).status, 401);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("requests a partnership that the other company accepts in its own console; then its owner reads this company", async () => {
    const other = await newUser(s.h, "globex-owner");
    const globex = await createCompany(s.h.app, other, "globex-partner", "Globex");
    const readAcme = () =>
      fetch(`${s.origin}/api/v1/companies/${company.id}`, {
        headers: { authorization: `Bearer ${other.accessToken}` },
      });
    assert.equal((await readAcme()).status, 404);

    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/partners`);
    await page.getByRole("heading", { name: "Partners of Acme" }).waitFor();
    await page.getByLabel("Partner company's slug").fill("globex-partner");
    await page.getByRole("button", { name: "Send request" }).click();
    await page.getByRole("row").filter({ hasText: "outgoing" }).filter({ hasText: "pending" }).waitFor();
    await assertAccessible(page, "partners");
    await screenshot(page, "partners");

    const otherContext = await browser.newContext();
    const theirs = await consolePage(otherContext);
    await signIn(theirs.page, s.origin, other.email, STRONG_PASSWORD, `/console/companies/${globex.id}/partners`);
    await theirs.page.getByRole("row").filter({ hasText: "incoming" }).filter({ hasText: "pending" }).waitFor();
    await theirs.page.getByRole("button", { name: "Accept" }).click();
    await theirs.page.getByRole("dialog").getByRole("button", { name: "Accept" }).click();
    await theirs.page.getByRole("row").filter({ hasText: "incoming" }).filter({ hasText: "active" }).waitFor();
    assert.equal((await readAcme()).status, 200);
    assert.deepEqual(theirs.problems, []);
    await otherContext.close();
    assert.deepEqual(problems, []);
    await context.close();
  });

  it("adds a passkey on the profile page and signs in with it, no email typed (CDP virtual authenticator)", async () => {
    const user = await newUser(s.h, "passkey");
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
    await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/profile");
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    await page.getByLabel("Passkey name").fill("Chromium");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Passkey added").waitFor();
    const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
    assert.equal(credentials.length, 1);

    await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
    await page.getByRole("heading", { name: "Sign in to Rampart" }).waitFor();
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
    await page.getByText(user.email).waitFor();
    assert.deepEqual(problems, []);
    await context.close();
  });
});
