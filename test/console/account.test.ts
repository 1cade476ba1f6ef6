import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { enginesUnderTest } from "../helpers/database.ts";
import { bearer, STRONG_PASSWORD } from "../helpers/identity.ts";
import { codeFor } from "../helpers/mfa.ts";
import { createCompany, joinDirectly, newUser } from "../helpers/tenancy.ts";
import {
  assertAccessible,
  chromiumAvailability,
  consolePage,
  launchChromium,
  screenshot,
  signIn,
  virtualAuthenticator,
} from "./browser.ts";
import { type ConsoleServer, consoleServer } from "./server.ts";

// A member's own account and their company, from the console in headless Chromium: second
// factors (enrol, recovery codes, sign in with the code, remove) and the company profile
// (rename with field errors, read-only for a member, delete with step-up).

const [sqlite] = await enginesUnderTest();

async function noOverflowAt375(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 375, height: 800 });
  await screenshot(page, `${name}-375px`);
  // A string: the test is type-checked without the DOM library.
  const overflow = Number(await page.evaluate("document.documentElement.scrollWidth - window.innerWidth"));
  assert.ok(overflow <= 0, `no horizontal scrolling of ${name} at 375 px (${overflow}px)`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe(
  "the console in headless Chromium (SQLite): own factors and the company profile",
  chromiumAvailability(),
  () => {
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

    it("enrols an authenticator app (QR and secret shown), shows the recovery codes once, asks for the code at the next sign-in, makes new recovery codes that replace the old, and removes the factor with one", async () => {
      const user = await newUser(s.h, "factors");
      const context = await browser.newContext();
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: s.origin });
      const { page, problems } = await consolePage(context);
      await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/factors");
      await page.getByRole("heading", { name: "Second factors" }).waitFor();
      await page.getByText("No second factor yet").waitFor();
      await page.getByRole("button", { name: "Set up an authenticator app" }).click();
      await page.getByRole("img", { name: "QR code for your authenticator app" }).locator("svg").waitFor();
      const secret = ((await page.getByTestId("totp-secret").textContent()) ?? "").trim();
      assert.match(secret, /^[A-Z2-7]{16,}=*$/, "a base32 secret for typing in");
      await assertAccessible(page, "factor enrolment");
      await screenshot(page, "factors-enrol");
      // A wrong code: the API's refusal, the form stays.
      await page.getByLabel("Code from the app").fill("000000");
      await page.getByRole("button", { name: "Confirm the app" }).click();
      await page.getByRole("alert").waitFor();
      // One step back: the sign-in below uses the current step (each step is accepted once).
      await page.getByLabel("Code from the app").fill(codeFor(s.h, secret, -1));
      await page.getByRole("button", { name: "Confirm the app" }).click();

      const shown = page.getByTestId("recovery-codes");
      await shown.waitFor();
      await page.getByText("they are shown once and never again").waitFor();
      const codes = ((await shown.textContent()) ?? "").split("\n").map((c) => c.trim());
      assert.equal(codes.length, 10, `ten recovery codes: ${codes.join(" | ")}`);
      await page.getByRole("button", { name: "Copy" }).click();
      await page.getByRole("button", { name: "Copied" }).waitFor();
      assert.equal(await page.evaluate("navigator.clipboard.readText()"), codes.join("\n"));
      await page.getByText("10 of your recovery codes are left").waitFor();
      await assertAccessible(page, "factors");
      await screenshot(page, "factors");
      await noOverflowAt375(page, "factors");
      await page.getByRole("button", { name: "Done" }).click();
      assert.equal(await shown.count(), 0, "the codes are not shown again");

      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await page.getByText("Signed out.").waitFor();
      await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/factors");
      await page.getByRole("heading", { name: "Second factor", exact: true }).waitFor();
      await page.getByLabel("Code").fill(codeFor(s.h, secret));
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { name: "Second factors" }).waitFor();

      // A new set of recovery codes, shown once; the old set stops working.
      await page.getByRole("button", { name: "Make new recovery codes" }).click();
      await page
        .getByRole("dialog", { name: "Make new recovery codes?" })
        .getByRole("button", { name: "Make new codes" })
        .click();
      await shown.waitFor();
      const fresh = ((await shown.textContent()) ?? "").split("\n").map((c) => c.trim());
      assert.equal(fresh.length, 10);
      assert.ok(!fresh.includes(codes[1] ?? ""), "a new set");
      await page.getByRole("button", { name: "Done" }).click();

      // A recovery code completes the second-factor step too; one of the old set no longer does.
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/factors");
      await page.getByLabel("Code").fill(codes[1] ?? "");
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("alert").waitFor();
      await page.getByLabel("Code").fill(fresh[1] ?? "");
      await page.getByRole("button", { name: "Verify" }).click();
      await page.getByRole("heading", { name: "Second factors" }).waitFor();
      await page.getByText("9 of your recovery codes are left").waitFor();

      await page.getByRole("button", { name: "Remove Authenticator app" }).click();
      const dialog = page.getByRole("dialog", { name: "Remove Authenticator app?" });
      await dialog.waitFor();
      await assertAccessible(page, "remove factor");
      // Without the password the API refuses, and the dialog stays with its reason.
      await dialog.getByLabel("Code from the app, or a recovery code").fill(fresh[0] ?? "");
      await dialog.getByRole("button", { name: "Remove factor" }).click();
      await dialog.getByRole("alert").waitFor();
      await dialog.getByLabel("Password").fill(STRONG_PASSWORD);
      await dialog.getByRole("button", { name: "Remove factor" }).click();
      await dialog.waitFor({ state: "detached" });
      await page.getByText("No second factor yet").waitFor();

      // The next sign-in asks for the password alone.
      await page.getByRole("button", { name: "Sign out", exact: true }).click();
      await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/factors");
      await page.getByRole("heading", { name: "Second factors" }).waitFor();
      assert.deepEqual(problems, []);
      await context.close();
    });

    it("lists the passkeys on the profile page, adds one, and removes it after signing in with it (CDP virtual authenticator)", async () => {
      const user = await newUser(s.h, "passkeys");
      const context = await browser.newContext();
      const { page, problems } = await consolePage(context);
      const { cdp, authenticatorId } = await virtualAuthenticator(context, page);
      await signIn(page, s.origin, user.email, STRONG_PASSWORD, "/console/profile");
      await page.getByText("No passkeys yet.").waitFor();
      await page.getByLabel("Passkey name").fill("Work laptop");
      await page.getByRole("button", { name: "Add a passkey" }).click();
      await page.getByRole("button", { name: "Remove Work laptop" }).waitFor();
      await assertAccessible(page, "profile with a passkey");
      await screenshot(page, "profile-passkeys");

      // Removing a passkey wants a recent sign-in with a second factor: the passkey's own.
      await page.getByRole("button", { name: "Sign out", exact: true }).first().click();
      await page.getByRole("button", { name: "Sign in with a passkey" }).click();
      await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
      await page.getByRole("button", { name: "Remove Work laptop" }).click();
      await page
        .getByRole("dialog", { name: "Remove the passkey Work laptop?" })
        .getByRole("button", { name: "Remove passkey" })
        .click();
      await page.getByText("No passkeys yet.").waitFor();
      // The API's list after a reload (the user's first token ended with the new factor).
      await page.reload();
      await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
      await page.getByText("No passkeys yet.").waitFor();
      // Only the server forgot it: the authenticator keeps its credential, as the dialog says.
      assert.equal((await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials.length, 1);
      assert.deepEqual(problems, []);
      await context.close();
    });

    it("lets the owner rename the company (field errors at the field, the new name in the navigation) and shows a member no controls", async () => {
      const owner = await newUser(s.h, "company-owner");
      const company = await createCompany(s.h.app, owner, `profile-${Date.now()}`, "Acme Profile");
      const member = await newUser(s.h, "company-member");
      await joinDirectly(s.h, company.id, member, "member");
      const path = `/console/companies/${company.id}/profile`;

      const context = await browser.newContext();
      const { page, problems } = await consolePage(context);
      await signIn(page, s.origin, owner.email, STRONG_PASSWORD, path);
      await page.getByRole("heading", { name: "Company profile of Acme Profile" }).waitFor();
      await page.getByRole("definition").filter({ hasText: company.slug }).waitFor();
      await assertAccessible(page, "company profile");
      await screenshot(page, "company-profile");
      await noOverflowAt375(page, "company-profile");

      const name = page.getByLabel("Company name");
      for (const bad of ["", "x".repeat(201)]) {
        await name.fill(bad);
        await page.getByRole("button", { name: "Save name" }).click();
        await page.locator('input[name="name"][aria-invalid="true"]').waitFor();
        const describedBy = (await name.getAttribute("aria-describedby")) ?? "";
        assert.notEqual(describedBy, "", "the error describes the field");
        assert.notEqual(((await page.locator(`#${describedBy}`).textContent()) ?? "").trim(), "");
      }
      await name.fill("Acme Renamed");
      await page.getByRole("button", { name: "Save name" }).click();
      await page.getByText("Saved: the company is now called Acme Renamed.").waitFor();
      await page
        .getByRole("navigation")
        .getByRole("heading", { name: /Acme Renamed/ })
        .waitFor();
      await page.getByRole("heading", { name: "Company profile of Acme Renamed" }).waitFor();
      const api = await s.h.app.inject({ url: `/api/v1/companies/${company.id}`, headers: bearer(owner.accessToken) });
      assert.equal(api.json().name, "Acme Renamed");

      // The policy as it stands is read when the screen opens, before any change.
      await page.getByText("Not required: members may sign in with a password alone.").waitFor();
      await page.getByRole("button", { name: "Stop requiring it" }).click();
      await page.getByText("Not required: members may sign in with a password alone.").waitFor();

      const memberContext = await browser.newContext({ colorScheme: "dark" });
      const seen = await consolePage(memberContext);
      await signIn(seen.page, s.origin, member.email, STRONG_PASSWORD, path);
      await seen.page.getByRole("heading", { name: "Company profile of Acme Renamed" }).waitFor();
      await seen.page.getByRole("definition").filter({ hasText: "member" }).first().waitFor();
      for (const control of ["Save name", "Require a second factor", "Stop requiring it", "Delete Acme Renamed"]) {
        assert.equal(await seen.page.getByRole("button", { name: control }).count(), 0, `no "${control}" for a member`);
      }
      assert.equal(await seen.page.getByLabel("Company name").count(), 0);
      await assertAccessible(seen.page, "company profile (member, dark)");
      await screenshot(seen.page, "company-profile-member-dark");
      assert.deepEqual(seen.problems, []);
      await memberContext.close();
      assert.deepEqual(problems, []);
      await context.close();
    });

    // Last: it moves the harness clock past the step-up window (STEP_UP_MAX_AGE_S, 600 s).
    it("deletes the company after a confirmation that names the consequence and a step-up", async () => {
      const owner = await newUser(s.h, "deleting-owner");
      const company = await createCompany(s.h.app, owner, `doomed-${Date.now()}`, "Doomed Co");
      const context = await browser.newContext();
      const { page, problems } = await consolePage(context);
      await signIn(page, s.origin, owner.email, STRONG_PASSWORD, `/console/companies/${company.id}/profile`);
      await page.getByRole("heading", { name: "Company profile of Doomed Co" }).waitFor();
      s.h.clock.advance(601);
      await page.getByRole("button", { name: "Delete Doomed Co" }).click();
      const confirm = page.getByRole("dialog", { name: "Delete Doomed Co?" });
      await confirm.getByText("Every member loses access at once").waitFor();
      await assertAccessible(page, "delete company");
      await confirm.getByRole("button", { name: "Delete company" }).click();
      const stepUp = page.getByRole("dialog", { name: "Confirm it is you" });
      await stepUp.waitFor();
      await stepUp.getByLabel("Password").fill(STRONG_PASSWORD);
      await stepUp.getByRole("button", { name: "Confirm" }).click();
      // Gone from the navigation; the owner has no company left, so the console opens the profile.
      await page.getByRole("heading", { name: "Profile & sessions" }).waitFor();
      assert.equal(await page.getByRole("navigation").getByText("Doomed Co").count(), 0);
      const api = await s.h.app.inject({ url: `/api/v1/companies/${company.id}`, headers: bearer(owner.accessToken) });
      assert.equal(api.statusCode, 404, api.body);
      assert.deepEqual(problems, []);
      await context.close();
    });
  },
);
