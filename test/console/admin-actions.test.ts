import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { STRONG_PASSWORD } from "../helpers/identity.ts";
import { joinDirectly, makePlatformAdmin, newUser, type SignedIn } from "../helpers/tenancy.ts";
import { assertAccessible, chromiumAvailability, consolePage, screenshot, signIn } from "./browser.ts";
import type { ConsoleServer } from "./server.ts";
import { startConsoleSuite, stopConsoleSuite } from "./suite.ts";

// Issue #26's two console actions, in Debian's headless Chromium against a real Rampart
// (SQLite; see journeys.test.ts): an operator unlocks a locked-out user, who then signs in;
// a member resends an invitation, and only the new link joins. Each screen runs axe and
// records no CSP violation.

const [sqlite] = await enginesUnderTest();
/** The default LOGIN_MAX_FAILURES: the console server keeps the defaults. */
const MAX_FAILURES = 5;

describe("the console in headless Chromium (SQLite): unlock and resend", chromiumAvailability(), () => {
  let s: ConsoleServer;
  let browser: Browser;
  let owner: SignedIn;
  let company: { id: string; name: string };
  before(async () => {
    ({ s, browser, owner, company } = await startConsoleSuite(sqlite));
  });
  after(() => stopConsoleSuite(s, browser));

  const login = (email: string, password: string) =>
    fetch(`${s.origin}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, clientType: "native" }),
    });

  it("an operator unlocks a locked-out user from the users list; that user then signs in", async () => {
    const victim = await newUser(s.h, "locked");
    await joinDirectly(s.h, company.id, victim, "member");
    for (let i = 0; i < MAX_FAILURES; i++) assert.equal((await login(victim.email, "not-the-password")).status, 401);
    assert.equal((await login(victim.email, STRONG_PASSWORD)).status, 401, "locked: the right password is refused");

    const operator = await newUser(s.h, "operator");
    await makePlatformAdmin(s.h, operator.userId);
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, operator.email, STRONG_PASSWORD, "/console/operator/users");
    await page.getByRole("heading", { name: "Users" }).waitFor();
    await page.getByLabel("Search by name, email or id").fill(victim.email);
    const row = page.getByRole("row").filter({ hasText: victim.email });
    await row.getByText(/Locked out until/).waitFor();
    assert.equal(
      await page
        .getByRole("row")
        .filter({ hasText: operator.email })
        .getByRole("button", { name: /^Unlock/ })
        .count(),
      0,
      "no unlock offered for an address that is not locked",
    );
    await assertAccessible(page, "users with a locked-out user");
    await screenshot(page, "users-locked");
    await row.getByRole("button", { name: `Unlock sign-in of ${victim.email}` }).click();
    const dialog = page.getByRole("dialog");
    assert.match((await dialog.textContent()) ?? "", /clears the count and the lockout/, "names the consequence");
    await assertAccessible(page, "unlock confirmation");
    await dialog.getByRole("button", { name: "Unlock sign-in" }).click();
    // Locators, not waitForFunction: a string predicate is eval'd on every poll, which the console's CSP refuses.
    await page.getByText("Locked out until").first().waitFor({ state: "detached" });
    assert.equal(await row.getByRole("button", { name: /^Unlock/ }).count(), 0);
    assert.deepEqual(problems, []);
    await context.close();

    const victimContext = await browser.newContext();
    const signedIn = await consolePage(victimContext);
    await signIn(signedIn.page, s.origin, victim.email, STRONG_PASSWORD);
    await signedIn.page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    assert.deepEqual(signedIn.problems, []);
    await victimContext.close();
  });

  it("a member resends a lapsed invitation: a notice, a new mail, a new expiry; the old link is refused and the new one joins", async () => {
    const invitee = await newUser(s.h, "invitee");
    const sent = await s.h.app.inject({
      method: "POST",
      url: `/api/v1/companies/${company.id}/invitations`,
      headers: owner.headers,
      payload: { email: invitee.email, role: "viewer" },
    });
    assert.equal(sent.statusCode, 201, sent.body);
    const oldToken = s.h.linkToken(invitee.email);
    // Lapsed, the usual reason to resend (a fixture write: the browser's clock is the real one).
    await s.h.database.handle.db
      .updateTable("invitations")
      .set({ expires_at: new Date(Date.now() - 24 * 60 * 60 * 1000).toISOString() })
      .where("id", "=", sent.json<{ id: string }>().id)
      .execute();
    const mailsBefore = s.h.mails().filter((m) => m.includes(invitee.email)).length;

    const manager = await newUser(s.h, "manager");
    await joinDirectly(s.h, company.id, manager, "manager");
    const context = await browser.newContext();
    const { page, problems } = await consolePage(context);
    await signIn(page, s.origin, manager.email, STRONG_PASSWORD, `/console/companies/${company.id}/invitations`);
    await page.getByRole("heading", { name: "Invitations to Acme" }).waitFor();
    const row = page.getByRole("row").filter({ hasText: invitee.email });
    await row.getByText(/^Expired /).waitFor();
    await row.getByRole("button", { name: `Resend to ${invitee.email}` }).click();
    await page.getByText(`Invitation sent again to ${invitee.email}`).waitFor();
    await page
      .getByRole("cell")
      .filter({ hasText: /^Expired/ })
      .first()
      .waitFor({ state: "detached" });
    assert.equal(await page.getByRole("dialog").count(), 0, "no confirmation for a resend");
    assert.equal(s.h.mails().filter((m) => m.includes(invitee.email)).length, mailsBefore + 1, "mailed again");
    await assertAccessible(page, "invitations after a resend");
    await screenshot(page, "invitation-resent");
    assert.deepEqual(problems, []);
    await context.close();

    const newToken = s.h.linkToken(invitee.email);
    assert.notEqual(newToken, oldToken);
    const inviteeContext = await browser.newContext();
    const invited = await consolePage(inviteeContext);
    await signIn(
      invited.page,
      s.origin,
      invitee.email,
      STRONG_PASSWORD,
      `/console/invitations/accept?token=${oldToken}`,
    );
    await invited.page.getByRole("button", { name: "Accept invitation" }).click();
    await invited.page.getByRole("alert").getByText("invitation.not_found").waitFor();
    await invited.page.goto(`${s.origin}/console/invitations/accept?token=${newToken}`);
    await invited.page.getByRole("button", { name: "Accept invitation" }).click();
    await invited.page.getByRole("heading", { name: "Members of Acme" }).waitFor();
    await invited.page.getByRole("cell", { name: invitee.email, exact: true }).waitFor();
    assert.deepEqual(invited.problems, []);
    await inviteeContext.close();
  });
});
